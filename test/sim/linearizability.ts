// A linearizability checker for histories of a read/write register, in the style of Wing & Gong
// with Lowe's memoization (as in Porcupine): walk the history's call/return events in order,
// try to linearize each pending call at the current point, backtrack when a return is reached
// whose call was not linearized, and remember (linearized set, state) pairs already explored.
// Operations that never returned get a return at +∞: they may take effect at any later point.

export interface Operation {
  kind: 'put' | 'get' | 'cas';
  key: string;
  /** put and cas: the value written; get: the value read. Initial value: ''. */
  value: string;
  /** cas only: the value the register must hold for the write to happen. */
  expected?: string;
  /** cas only: true (it wrote), false (it did not: the register held something else), undefined (unknown: either). */
  swapped?: boolean | undefined;
  /** Event numbers from one counter shared by every invoke and return in the history. */
  invokedAt: number;
  returnedAt: number | undefined;
}

export type Verdict = { linearizable: true } | { linearizable: false; reason: string };

interface Event {
  kind: 'call' | 'return';
  operation: number;
  time: number;
  match: Event | undefined;
  previous: Event | undefined;
  next: Event | undefined;
}

/** Builds the doubly linked event list (with a head sentinel), calls before returns on ties. */
function buildEvents(operations: readonly Operation[]): Event {
  const events: Event[] = [];
  operations.forEach((operation, index) => {
    const call: Event = { kind: 'call', operation: index, time: operation.invokedAt, match: undefined, previous: undefined, next: undefined };
    const ret: Event = { kind: 'return', operation: index, time: operation.returnedAt ?? Infinity, match: undefined, previous: undefined, next: undefined };
    call.match = ret;
    events.push(call, ret);
  });
  events.sort((a, b) => a.time - b.time || (a.kind === b.kind ? 0 : a.kind === 'call' ? -1 : 1));
  const head: Event = { kind: 'call', operation: -1, time: -Infinity, match: undefined, previous: undefined, next: undefined };
  let last = head;
  for (const event of events) {
    last.next = event;
    event.previous = last;
    last = event;
  }
  return head;
}

function lift(call: Event): void {
  const ret = call.match;
  if (call.previous) call.previous.next = call.next;
  if (call.next) call.next.previous = call.previous;
  if (ret !== undefined) {
    if (ret.previous) ret.previous.next = ret.next;
    if (ret.next) ret.next.previous = ret.previous;
  }
}

function unlift(call: Event): void {
  const ret = call.match;
  if (ret !== undefined) {
    if (ret.previous) ret.previous.next = ret;
    if (ret.next) ret.next.previous = ret;
  }
  if (call.previous) call.previous.next = call;
  if (call.next) call.next.previous = call;
}

/** The register model: returns the next state, or undefined when the operation is impossible. */
function stepRegister(state: string, operation: Operation): string | undefined {
  if (operation.kind === 'put') return operation.value;
  if (operation.kind === 'get') return operation.value === state ? state : undefined;
  const matches = operation.expected === state;
  if (operation.swapped === undefined) return matches ? operation.value : state;
  if (operation.swapped) return matches ? operation.value : undefined;
  return matches ? undefined : state;
}

export function checkRegisterHistory(operations: readonly Operation[], maxSteps = 5_000_000): Verdict {
  const head = buildEvents(operations);
  const stack: { call: Event; state: string }[] = [];
  const seen = new Set<string>();
  let linearized = 0n;
  let state = '';
  let entry = head.next;
  for (let steps = 0; head.next !== undefined; steps++) {
    if (steps > maxSteps) return { linearizable: false, reason: `gave up after ${maxSteps} steps` };
    if (entry === undefined) return { linearizable: false, reason: 'ran off the end of the history' };
    if (entry.kind === 'call') {
      const operation = operations[entry.operation];
      const next = operation === undefined ? undefined : stepRegister(state, operation);
      if (next !== undefined) {
        const withThis = linearized | (1n << BigInt(entry.operation));
        const key = `${withThis.toString(36)}:${next}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: entry, state });
          state = next;
          linearized = withThis;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      // A return whose call we could not place before it: undo the last choice.
      const top = stack.pop();
      if (top === undefined) return { linearizable: false, reason: `operation ${entry.operation} cannot be placed` };
      state = top.state;
      linearized &= ~(1n << BigInt(top.call.operation));
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { linearizable: true };
}
