// The history of a chaos run: every client operation with its invocation and completion (event
// numbers from one counter, plus wall-clock milliseconds for the log) and its outcome, then the
// verdicts: per key, is the history linearizable (Wing–Gong, test/sim/linearizability.ts), and
// was any acknowledged write lost (the final ?consistent read shows a value older than it).

import { checkRegisterHistory, type Operation } from '../sim/linearizability.js';

/** ok: the server answered; failed: it certainly did not happen; unknown: it may have. */
export type Outcome = 'ok' | 'failed' | 'unknown';
export type ReadMode = 'default' | 'consistent';

export interface Recorded {
  readonly client: number;
  readonly kind: 'put' | 'get' | 'cas';
  readonly key: string;
  /** put/cas: the value written (unique in the run); get: the value read ('' = absent). */
  value: string;
  /** cas: the value that was read before the swap ('' = absent, then ?cas=0). */
  readonly expected?: string;
  readonly mode?: ReadMode;
  /** Which server the client sent it to. */
  readonly server: string;
  readonly invokedAt: number;
  readonly invokedMs: number;
  returnedAt: number | undefined;
  returnedMs: number | undefined;
  outcome: Outcome | undefined;
  /** cas: what the server answered (true = swapped). */
  swapped?: boolean;
  /** Why it failed or is unknown: status code, timeout, connection error. */
  detail?: string;
}

export class History {
  readonly operations: Recorded[] = [];
  private clock = 0;
  private readonly startMs = performance.now();

  invoke(operation: Omit<Recorded, 'invokedAt' | 'invokedMs' | 'returnedAt' | 'returnedMs' | 'outcome'>): Recorded {
    const recorded: Recorded = { ...operation, invokedAt: ++this.clock, invokedMs: this.elapsedMs(), returnedAt: undefined, returnedMs: undefined, outcome: undefined };
    this.operations.push(recorded);
    return recorded;
  }

  complete(operation: Recorded, outcome: Outcome, detail?: string): void {
    operation.outcome = outcome;
    if (detail !== undefined) operation.detail = detail;
    // An unknown outcome never "returned": it may take effect at any later point.
    if (outcome !== 'unknown') operation.returnedAt = ++this.clock;
    operation.returnedMs = this.elapsedMs();
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.startMs);
  }
}

/** The checker's view: failed operations and reads without an answer carry no information. */
export function toCheckerOperations(operations: readonly Recorded[], modes: readonly ReadMode[]): Operation[] {
  const out: Operation[] = [];
  for (const op of operations) {
    if (op.outcome === undefined || op.outcome === 'failed') continue;
    if (op.kind === 'get') {
      if (op.outcome !== 'ok' || !modes.includes(op.mode ?? 'default')) continue;
      out.push({ kind: 'get', key: op.key, value: op.value, invokedAt: op.invokedAt, returnedAt: op.returnedAt });
    } else if (op.kind === 'put') {
      out.push({ kind: 'put', key: op.key, value: op.value, invokedAt: op.invokedAt, returnedAt: op.returnedAt });
    } else {
      const swapped = op.outcome === 'ok' ? op.swapped : undefined;
      out.push({ kind: 'cas', key: op.key, value: op.value, expected: op.expected ?? '', swapped, invokedAt: op.invokedAt, returnedAt: op.returnedAt });
    }
  }
  return out;
}

export interface Anomaly {
  readonly key: string;
  /** 'consistent': ?consistent reads and writes alone are not linearizable; 'default': only with default-mode reads added. */
  readonly scope: ReadMode;
  readonly reason: string;
}

export interface LostWrite {
  readonly key: string;
  readonly value: string;
  readonly acknowledgedMs: number | undefined;
  readonly finalValue: string;
}

export interface Verdicts {
  readonly anomalies: Anomaly[];
  /** Keys whose check gave up (too many unknown operations to explore): neither pass nor fail. */
  readonly inconclusive: string[];
  readonly lostWrites: LostWrite[];
}

/** Linearizability per key, first with ?consistent reads only, then with default reads too. */
function checkKeys(operations: readonly Recorded[]): Pick<Verdicts, 'anomalies' | 'inconclusive'> {
  const anomalies: Anomaly[] = [];
  const inconclusive: string[] = [];
  const keys = [...new Set(operations.map((op) => op.key))].sort();
  for (const key of keys) {
    const ofKey = operations.filter((op) => op.key === key);
    for (const scope of ['consistent', 'default'] as const) {
      const modes: ReadMode[] = scope === 'consistent' ? ['consistent'] : ['consistent', 'default'];
      const verdict = checkRegisterHistory(toCheckerOperations(ofKey, modes));
      if (verdict.linearizable) continue;
      if (verdict.reason.startsWith('gave up')) inconclusive.push(`${key} (${scope})`);
      else anomalies.push({ key, scope, reason: verdict.reason });
      break;
    }
  }
  return { anomalies, inconclusive };
}

/**
 * An acknowledged write is lost when the key's final ?consistent value was written by an operation
 * that completed before the acknowledged one was even invoked (or is the initial absent value).
 */
export function lostWrites(operations: readonly Recorded[], finalValues: ReadonlyMap<string, string>): LostWrite[] {
  const writers = new Map<string, Recorded>();
  for (const op of operations) if (op.kind !== 'get') writers.set(op.value, op);
  const lost: LostWrite[] = [];
  for (const op of operations) {
    const acknowledged = op.outcome === 'ok' && (op.kind === 'put' || (op.kind === 'cas' && op.swapped === true));
    if (!acknowledged) continue;
    const finalValue = finalValues.get(op.key);
    if (finalValue === undefined || finalValue === op.value) continue;
    const writer = writers.get(finalValue);
    const older = finalValue === '' || writer === undefined || (writer.returnedAt !== undefined && writer.returnedAt < op.invokedAt);
    if (older) lost.push({ key: op.key, value: op.value, acknowledgedMs: op.returnedMs, finalValue });
  }
  return lost;
}

export function judge(operations: readonly Recorded[], finalValues: ReadonlyMap<string, string>): Verdicts {
  return { ...checkKeys(operations), lostWrites: lostWrites(operations, finalValues) };
}

export interface Tally {
  readonly total: number;
  readonly byKind: Record<string, { ok: number; failed: number; unknown: number }>;
}

export function tally(operations: readonly Recorded[]): Tally {
  const byKind: Record<string, { ok: number; failed: number; unknown: number }> = {};
  for (const op of operations) {
    const label = op.kind === 'get' ? `get-${op.mode ?? 'default'}` : op.kind;
    const row = (byKind[label] ??= { ok: 0, failed: 0, unknown: 0 });
    if (op.outcome !== undefined) row[op.outcome] += 1;
  }
  return { total: operations.length, byKind };
}
