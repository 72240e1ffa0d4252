// The driver's waiting callers: proposals waiting for their entry to apply, and linearizable reads
// waiting for their ReadIndex round and then for the state machine to catch up with it. Kept apart
// from the loop so that every way a wait ends (applied, overwritten, leadership lost, timeout,
// close) is visible in one place.

import type { Clock, Timer } from '../../lib/clock.js';
import { type ErrorCode, TaxiwayError } from '../../lib/errors.js';
import type { DropReason } from '../core.js';
import type { NodeId } from '../messages.js';

/** Why a proposal or read failed; `leader` is the known leader's id (0 = unknown), a hint for retrying there. */
export type RaftRequestFailure =
  | DropReason
  /** This node stopped leading before the entry applied: it may still commit (outcome unknown). */
  | 'leadership-lost'
  /** Another leader's entry took this index: the proposal was not committed. */
  | 'overwritten'
  | 'too-many-pending'
  | 'timeout'
  | 'closed';

export class RaftRequestError extends TaxiwayError {
  constructor(
    readonly reason: RaftRequestFailure,
    readonly leader: NodeId,
  ) {
    super(codeOf(reason), describe(reason, leader));
  }
}

function codeOf(reason: RaftRequestFailure): ErrorCode {
  if (reason === 'too-many-pending') return 'rate_limited';
  if (reason === 'closed') return 'internal';
  // The entry was appended and may still commit under the next leader.
  if (reason === 'leadership-lost') return 'outcome_unknown';
  return 'no_leader';
}

function describe(reason: RaftRequestFailure, leader: NodeId): string {
  const hint = leader === 0 ? 'no leader known' : `leader is node ${leader}`;
  switch (reason) {
    case 'leadership-lost':
      return `raft: leadership lost before the entry applied; it may still commit (${hint})`;
    case 'overwritten':
      return `raft: the entry was replaced by a new leader's log and not committed (${hint})`;
    case 'too-many-pending':
      return 'raft: too many proposals waiting on this node';
    case 'timeout':
      return `raft: read timed out waiting for the leader to confirm (${hint})`;
    case 'closed':
      return 'raft: node closed';
    case 'no-leader':
    case 'not-leader':
    case 'transfer-in-progress':
    case 'config-change-pending':
    case 'invalid-config-change':
    case 'not-a-voter':
      return `raft: request dropped: ${reason} (${hint})`;
  }
}

interface Proposal<R> {
  term: number;
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

interface Read {
  /** 0 until the ReadIndex answer arrives. */
  index: number;
  timer: Timer;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class PendingRequests<R> {
  private readonly proposals = new Map<number, Proposal<R>>();
  private readonly reads = new Map<number, Read>();
  private nextReadId = 1;

  constructor(
    private readonly clock: Clock,
    private readonly readTimeoutMs: number,
  ) {}

  proposalCount(): number {
    return this.proposals.size;
  }

  /** Waits for the entry (index, term) to apply. */
  addProposal(index: number, term: number): Promise<R> {
    return new Promise((resolve, reject) => this.proposals.set(index, { term, resolve, reject }));
  }

  /** An entry applied: answers the proposal at its index, if this node made one. */
  applied(index: number, term: number, result: R, leader: NodeId): void {
    const proposal = this.proposals.get(index);
    if (proposal === undefined) return;
    this.proposals.delete(index);
    if (proposal.term === term) proposal.resolve(result);
    else proposal.reject(new RaftRequestError('overwritten', leader));
  }

  /** A new read id whose ReadIndex answer is awaited for at most readTimeoutMs. */
  addRead(): { requestId: number; done: Promise<void> } {
    const requestId = this.nextReadId++;
    const done = new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimer(this.readTimeoutMs, () => this.failRead(requestId, new RaftRequestError('timeout', 0)));
      this.reads.set(requestId, { index: 0, timer, resolve, reject });
    });
    return { requestId, done };
  }

  failRead(requestId: number, error: Error): void {
    const read = this.reads.get(requestId);
    if (read === undefined) return;
    this.reads.delete(requestId);
    read.timer.cancel();
    read.reject(error);
  }

  /** The ReadIndex answer for `requestId`: serve once applied ≥ index. */
  readIndexKnown(requestId: number, index: number): void {
    const read = this.reads.get(requestId);
    if (read !== undefined) read.index = index;
  }

  /** Resolves every read whose index is known and ≤ applied. */
  serveReads(applied: number): void {
    for (const [requestId, read] of this.reads) {
      if (read.index === 0 || read.index > applied) continue;
      this.reads.delete(requestId);
      read.timer.cancel();
      read.resolve();
    }
  }

  /** The leader changed: reads still waiting for their ReadIndex round will never get it. */
  leaderChanged(leader: NodeId): void {
    for (const [requestId, read] of this.reads) if (read.index === 0) this.failRead(requestId, new RaftRequestError('leadership-lost', leader));
  }

  /** This node stopped leading: its proposals' outcome is unknown to it from now on. */
  leadershipLost(leader: NodeId): void {
    this.rejectProposals(new RaftRequestError('leadership-lost', leader));
  }

  /** Fails everything (close, fatal error). */
  failAll(error: Error): void {
    this.rejectProposals(error);
    for (const requestId of [...this.reads.keys()]) this.failRead(requestId, error);
  }

  private rejectProposals(error: Error): void {
    const waiting = [...this.proposals.values()];
    this.proposals.clear();
    for (const proposal of waiting) proposal.reject(error);
  }
}
