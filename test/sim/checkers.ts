// Safety checkers run by the simulator after every step (Raft paper, Figure 3):
//   election safety      — at most one leader per term
//   log matching         — two logs holding an entry with the same index and term agree on
//                          every entry before it
//   leader completeness  — a leader's log holds every entry committed before its term
//   state machine safety — no two nodes apply different entries at one index
// A violation throws SafetyViolation with a description; the simulator reports the seed.

import type { Entry, NodeId, RaftCore } from '../../src/raft/index.js';

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
}

export class SafetyCheckers {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** index → term of every entry known committed (from any node's commit index). */
  private readonly committedTerm = new Map<number, number>();
  /** index → (term, data) of the first application seen at each index. */
  private readonly appliedAt = new Map<number, { term: number; data: string; node: NodeId }>();
  leadersElected = 0;

  /** A node reported itself leader of `term`. */
  leader(id: NodeId, term: number, core: RaftCore): void {
    const existing = this.leaderOfTerm.get(term);
    if (existing !== undefined && existing !== id) {
      throw new SafetyViolation(`election safety: nodes ${existing} and ${id} both lead term ${term}`);
    }
    if (existing === undefined) this.leadersElected++;
    this.leaderOfTerm.set(term, id);
    // Leader completeness: every entry committed so far must be in the new leader's log.
    const firstIndex = core.firstIndex();
    for (const [index, committedTerm] of this.committedTerm) {
      if (index < firstIndex) continue; // compacted into its snapshot, which covers it
      const ours = core.term(index);
      if (ours !== committedTerm) {
        throw new SafetyViolation(`leader completeness: leader ${id} of term ${term} has term ${ours} at ${index}, committed with term ${committedTerm}`);
      }
    }
  }

  /** A node's commit index reached `commit`: record the terms it committed. */
  committed(id: NodeId, core: RaftCore, fromIndex: number, commit: number): void {
    for (let index = Math.max(fromIndex, core.firstIndex()); index <= commit; index++) {
      const term = core.term(index);
      if (term === undefined) continue;
      const known = this.committedTerm.get(index);
      if (known !== undefined && known !== term) {
        throw new SafetyViolation(`committed entries differ at ${index}: term ${known} before, term ${term} at node ${id}`);
      }
      this.committedTerm.set(index, term);
    }
  }

  applied(id: NodeId, entry: Entry): void {
    const data = Buffer.from(entry.data).toString('base64');
    const first = this.appliedAt.get(entry.index);
    if (first === undefined) {
      this.appliedAt.set(entry.index, { term: entry.term, data, node: id });
      return;
    }
    if (first.term !== entry.term || first.data !== data) {
      throw new SafetyViolation(`state machine safety: at index ${entry.index} node ${first.node} applied term ${first.term}, node ${id} applied term ${entry.term} (${first.data} vs ${data})`);
    }
  }

  /** Log matching over every pair of live logs (quadratic: call it now and then, not every step). */
  logMatching(cores: { id: NodeId; core: RaftCore }[]): void {
    for (let i = 0; i < cores.length; i++) {
      for (let j = i + 1; j < cores.length; j++) {
        const a = cores[i];
        const b = cores[j];
        if (a !== undefined && b !== undefined) checkPair(a, b);
      }
    }
  }

  appliedCount(): number {
    return this.appliedAt.size;
  }
}

function checkPair(a: { id: NodeId; core: RaftCore }, b: { id: NodeId; core: RaftCore }): void {
  const low = Math.max(a.core.firstIndex(), b.core.firstIndex());
  const high = Math.min(a.core.status().lastIndex, b.core.status().lastIndex);
  // Find the highest index where both hold the same term; everything below must agree.
  let agreeAt = 0;
  for (let index = high; index >= low; index--) {
    if (a.core.term(index) === b.core.term(index)) {
      agreeAt = index;
      break;
    }
  }
  for (let index = low; index <= agreeAt; index++) {
    if (a.core.term(index) !== b.core.term(index)) {
      throw new SafetyViolation(`log matching: nodes ${a.id} and ${b.id} agree at ${agreeAt} but differ at ${index}`);
    }
  }
}
