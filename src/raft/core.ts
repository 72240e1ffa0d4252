// RaftCore: the public face of one Raft node. Pure and synchronous (style rule 1): every method
// mutates memory and queues effects; the driver collects them with ready() and acknowledges them
// with advance() (see ready.ts for the contract). Roles live in roles.ts, replication in
// replication.ts and follower.ts, the state in raft-state.ts.

import { assert, unreachable } from '../lib/assert.js';
import { RaftConfigError, validateRaftConfig, type RaftConfig } from './config.js';
import { encodeConfigEntry, NO_NODE, type ConfigChange, type ConfigState, type HardState, type Message, type NodeId } from './messages.js';
import type { ProgressState } from './progress.js';
import { RaftLog } from './raft-log.js';
import { RaftState } from './raft-state.js';
import type { Ready, Role, SoftState } from './ready.js';
import { appendEntries, bcastAppend, bcastHeartbeat, handleReadRequest, maybeSendAppend } from './replication.js';
import { applyConfigEntry, becomeFollower, hup, stepMessage } from './roles.js';

export type DropReason = 'not-leader' | 'no-leader' | 'transfer-in-progress' | 'config-change-pending' | 'invalid-config-change' | 'not-a-voter';

/** Outcome of a request to the core; `leader` is the known leader (0 = unknown) as a hint. */
export type ProposeResult = { type: 'ok'; index: number; term: number } | { type: 'dropped'; reason: DropReason; leader: NodeId };
export type RequestResult = { type: 'ok' } | { type: 'dropped'; reason: DropReason; leader: NodeId };

export interface PeerStatus {
  match: number;
  next: number;
  state: ProgressState;
  inflight: number;
  recentActive: boolean;
  isLearner: boolean;
}

export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  role: Role;
  leader: NodeId;
  commit: number;
  applied: number;
  lastIndex: number;
  config: ConfigState;
  leadTransferee: NodeId;
  /** Leaders only: one row per member, keyed by id. */
  progress: Map<NodeId, PeerStatus>;
}

export class RaftCore {
  private readonly r: RaftState;
  private previousHardState: HardState;
  private previousSoftState: SoftState;
  /** A Ready was handed out and not yet advanced. */
  private readyOutstanding = false;

  constructor(config: RaftConfig) {
    validateRaftConfig(config);
    const { storage } = config;
    const initial = storage.initialState();
    const log = new RaftLog(storage, 0);
    const { voters: _voters, learners: _learners, storage: _storage, applied: _applied, ...settings } = config;
    this.r = new RaftState(settings, log);
    const stored = initial.config;
    const membership = stored.voters.length + stored.learners.length > 0 ? stored : { voters: config.voters, learners: config.learners ?? [] };
    this.r.tracker.setConfig(membership, log.lastIndex() + 1);
    const { hardState } = initial;
    if (hardState.commit > log.lastIndex()) {
      throw new RaftConfigError(`stored commit ${hardState.commit} is beyond the stored log's last index ${log.lastIndex()}`);
    }
    // A commit below the snapshot (a crash between persisting a snapshot and the hard state) is
    // harmless: everything a snapshot covers is committed, and the log starts there.
    log.commitTo(hardState.commit);
    this.r.term = hardState.term;
    this.r.vote = hardState.vote;
    this.restoreApplied(config.applied ?? 0);
    becomeFollower(this.r, this.r.term, NO_NODE);
    this.previousHardState = this.hardState();
    this.previousSoftState = this.softState();
  }

  /** Applied entries after the snapshot may hold config changes: replay them into the tracker. */
  private restoreApplied(applied: number): void {
    const { log } = this.r;
    if (applied <= log.applied) return;
    if (applied > log.committed) throw new RaftConfigError(`applied ${applied} is beyond the stored commit ${log.committed}`);
    for (const entry of log.slice(log.applied + 1, applied + 1, Infinity) ?? []) {
      if (entry.type === 'config') applyConfigEntry(this.r, entry);
    }
    log.applied = applied;
  }

  get id(): NodeId {
    return this.r.id;
  }

  /** Advances logical time by one tick (the driver calls it at a fixed interval). */
  tick(): void {
    this.r.tickHandler();
  }

  /** Processes a message from a peer; messages addressed to another node are ignored. */
  step(message: Message): void {
    if (message.to !== this.r.id || message.from === this.r.id) return;
    stepMessage(this.r, message);
  }

  /** Starts an election now, as if the election timeout had passed (tests, bootstrap). */
  campaign(): void {
    hup(this.r, 'timeout');
  }

  /**
   * Appends `data` to the leader's log. The appends to followers go out with the next Ready, so
   * everything proposed between two Readies is batched (up to maxEntriesPerMessage per append).
   */
  propose(data: Uint8Array): ProposeResult {
    const refusal = this.leaderRefusal();
    if (refusal !== undefined) return refusal;
    const index = appendEntries(this.r, [{ type: 'normal', data }]);
    this.r.proposalsPending = true;
    return { type: 'ok', index, term: this.r.term };
  }

  /**
   * Proposes one membership change. Refused while an earlier change is unapplied, and until an
   * entry of this leader's term has committed (the fix for one-at-a-time changes: without it a
   * new leader could overlap its change with an uncommitted one of a previous term).
   */
  proposeConfigChange(change: ConfigChange): ProposeResult {
    const refusal = this.leaderRefusal();
    if (refusal !== undefined) return refusal;
    const r = this.r;
    if (r.pendingConfigIndex > r.log.applied || !r.committedInCurrentTerm()) return this.dropped('config-change-pending');
    const config = nextConfig(r.tracker.config, change);
    if (config === undefined) return this.dropped('invalid-config-change');
    const index = appendEntries(r, [{ type: 'config', data: encodeConfigEntry({ change, config }) }]);
    r.pendingConfigIndex = index;
    bcastAppend(r);
    return { type: 'ok', index, term: r.term };
  }

  /**
   * Requests a linearizable read: a ReadState with this requestId appears in a later Ready (on
   * this node) once a quorum confirmed the leadership; serve the read when applied ≥ its index.
   * Requests in flight when leadership changes are dropped silently: callers time out and retry.
   */
  readIndex(requestId: number): RequestResult {
    const r = this.r;
    if (r.role === 'leader') {
      handleReadRequest(r, requestId, r.id);
      return { type: 'ok' };
    }
    if (r.leader === NO_NODE) return { type: 'dropped', reason: 'no-leader', leader: NO_NODE };
    r.send({ type: 'readIndex', to: r.leader, requestId });
    return { type: 'ok' };
  }

  /** Hands leadership to voter `to` once its log is caught up (thesis §3.10). */
  transferLeadership(to: NodeId): RequestResult {
    const r = this.r;
    if (r.role !== 'leader') return { type: 'dropped', reason: 'not-leader', leader: r.leader };
    if (to === r.id) return { type: 'ok' };
    if (!r.tracker.isVoter(to)) return { type: 'dropped', reason: 'not-a-voter', leader: r.leader };
    if (r.leadTransferee === to) return { type: 'ok' };
    r.leadTransferee = to;
    r.electionElapsedTicks = 0; // the transfer is abandoned after an election timeout
    const progress = r.tracker.get(to);
    if (progress !== undefined && progress.match === r.log.lastIndex()) r.send({ type: 'timeoutNow', to });
    else maybeSendAppend(r, to, true);
    return { type: 'ok' };
  }

  /**
   * The transport failed to deliver to `peer` (connection refused, reset): stop streaming
   * appends to it and probe again, instead of filling the in-flight window with lost messages.
   */
  reportUnreachable(peer: NodeId): void {
    const progress = this.r.role === 'leader' ? this.r.tracker.get(peer) : undefined;
    if (progress?.state === 'replicate') progress.becomeProbe();
  }

  /**
   * etcd's ForgetLeader: a follower told that its leader is gone (the driver's transport found the
   * leader's port refusing connections: its process died) drops the leader. It then grants
   * pre-votes at once instead of honouring the leader lease for an election timeout, so when a
   * quorum of followers forgot a dead leader a new one is elected without waiting out the timeout.
   * It does not campaign by itself. Safety is untouched: only the timing of elections changes.
   */
  forgetLeader(): void {
    if (this.r.role === 'follower') this.r.leader = NO_NODE;
  }

  /**
   * Sends what was batched since the last Ready: appends for new proposals, and one heartbeat
   * round for new ReadIndex requests (see proposalsPending, readRoundPending).
   */
  private flushProposals(): void {
    const r = this.r;
    if (r.proposalsPending && r.role === 'leader') bcastAppend(r);
    if (r.readRoundPending && r.role === 'leader' && r.reads.size() > 0) bcastHeartbeat(r);
    r.proposalsPending = false;
    r.readRoundPending = false;
  }

  /**
   * Whether ready() has work (always false while a Ready is outstanding). It first turns
   * proposals batched since the last Ready into appends, which are part of that work.
   */
  hasReady(): boolean {
    const r = this.r;
    if (!this.readyOutstanding) this.flushProposals();
    return (
      !this.readyOutstanding &&
      (r.messages.length > 0 ||
        r.readStates.length > 0 ||
        r.log.unstable.entries.length > 0 ||
        r.log.unstable.snapshot !== undefined ||
        r.log.hasNextCommittedEntries() ||
        !sameHardState(this.hardState(), this.previousHardState) ||
        !sameSoftState(this.softState(), this.previousSoftState))
    );
  }

  /** The next batch of work; call advance(ready) after handling it (contract in ready.ts). */
  ready(): Ready {
    assert(!this.readyOutstanding, 'ready() called again before advance()');
    this.flushProposals();
    const r = this.r;
    const hardState = this.hardState();
    const softState = this.softState();
    const ready: Ready = {
      entries: r.log.unstableEntries(),
      messages: r.messages,
      committedEntries: r.log.nextCommittedEntries(r.settings.maxBytesPerMessage),
      readStates: r.readStates,
    };
    if (!sameHardState(hardState, this.previousHardState)) ready.hardState = hardState;
    if (!sameSoftState(softState, this.previousSoftState)) ready.softState = softState;
    if (r.log.unstable.snapshot !== undefined) ready.snapshot = r.log.unstable.snapshot;
    r.messages = [];
    r.readStates = [];
    this.readyOutstanding = true;
    return ready;
  }

  /** The driver has persisted, sent and applied `ready`. */
  advance(ready: Ready): void {
    assert(this.readyOutstanding, 'advance() without an outstanding ready()');
    this.readyOutstanding = false;
    const r = this.r;
    if (ready.hardState !== undefined) this.previousHardState = ready.hardState;
    if (ready.softState !== undefined) this.previousSoftState = ready.softState;
    const lastEntry = ready.entries.at(-1);
    if (lastEntry !== undefined) r.log.unstable.stableTo(lastEntry.index, lastEntry.term);
    if (ready.snapshot !== undefined) {
      r.log.unstable.stableSnapTo(ready.snapshot.meta.index);
      r.log.applied = Math.max(r.log.applied, ready.snapshot.meta.index);
    }
    for (const entry of ready.committedEntries) {
      r.log.appliedTo(entry.index);
      if (entry.type === 'config') applyConfigEntry(r, entry);
    }
  }

  /** The current term, vote and commit (what the next Ready's hardState would carry). */
  hardState(): HardState {
    return { term: this.r.term, vote: this.r.vote, commit: this.r.log.committed };
  }

  /** The current leader and role, cheaply (status() builds more). */
  softState(): SoftState {
    return { leader: this.r.leader, role: this.r.role };
  }

  /** Term of log entry `index`; undefined when compacted or beyond the last index. */
  term(index: number): number | undefined {
    return this.r.log.term(index);
  }

  /** The first index still in the log (the one after the latest snapshot). */
  firstIndex(): number {
    return this.r.log.firstIndex();
  }

  status(): RaftStatus {
    const r = this.r;
    const progress = new Map<NodeId, PeerStatus>();
    if (r.role === 'leader') {
      for (const [id, peer] of r.tracker.progress) {
        progress.set(id, { match: peer.match, next: peer.next, state: peer.state, inflight: peer.inflights.count(), recentActive: peer.recentActive, isLearner: peer.isLearner });
      }
    }
    const config = { voters: [...r.tracker.config.voters], learners: [...r.tracker.config.learners] };
    return { id: r.id, term: r.term, vote: r.vote, role: r.role, leader: r.leader, commit: r.log.committed, applied: r.log.applied, lastIndex: r.log.lastIndex(), config, leadTransferee: r.leadTransferee, progress };
  }

  private leaderRefusal(): ProposeResult | undefined {
    if (this.r.role !== 'leader') return this.dropped('not-leader');
    if (this.r.leadTransferee !== NO_NODE) return this.dropped('transfer-in-progress');
    return undefined;
  }

  private dropped(reason: DropReason): ProposeResult {
    return { type: 'dropped', reason, leader: this.r.leader };
  }

}

/** The configuration after `change`, or undefined when the change is invalid in `config`. */
export function nextConfig(config: ConfigState, change: ConfigChange): ConfigState | undefined {
  const isVoter = config.voters.includes(change.node);
  const isLearner = config.learners.includes(change.node);
  if (!Number.isSafeInteger(change.node) || change.node <= 0) return undefined;
  switch (change.type) {
    case 'addVoter':
      if (isVoter) return undefined;
      return { voters: [...config.voters, change.node].sort((a, b) => a - b), learners: config.learners.filter((id) => id !== change.node) };
    case 'addLearner':
      if (isVoter || isLearner) return undefined;
      return { voters: [...config.voters], learners: [...config.learners, change.node].sort((a, b) => a - b) };
    case 'removeNode': {
      if (!isVoter && !isLearner) return undefined;
      const voters = config.voters.filter((id) => id !== change.node);
      if (voters.length === 0) return undefined;
      return { voters, learners: config.learners.filter((id) => id !== change.node) };
    }
    default:
      return unreachable(change);
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}
