// RaftDriver: the I/O half of a Raft node. It owns a RaftCore and does what the core cannot:
// ticks it from a Clock, feeds it the Transport's messages, and runs the Ready loop (ready.ts):
//
//   propose / read / tick / message ──► core ──► schedule one loop turn (setImmediate)
//   turn: while core.hasReady():
//     1. persist  snapshot (SnapshotStore, then reset the log) → entries (LogStore.append, one
//                 fdatasync) → hard state (StableStore.save)
//     2. send     ready.messages (a drop reports the peer unreachable to the core)
//     3. apply    committed entries to the Fsm, answering this node's proposals; serve reads
//     4. advance  then snapshot the Fsm every snapshotEveryEntries applied entries and compact
//
// Batching: everything proposed or received between two turns lands in one Ready, so one fsync
// covers many proposals (the loop turn is deferred with setImmediate, after pending I/O events).
// After etcd's raft node.go/rawnode.go (a Ready loop over a pure core) and hashicorp/raft's
// futures for proposals.

import type { Clock, Timer } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { RAFT_DEFAULTS, type RaftConfig } from '../config.js';
import { RaftCore, type RaftStatus } from '../core.js';
import { type ConfigChange, type Entry, type Message, NO_NODE, type NodeId } from '../messages.js';
import type { Ready, SoftState } from '../ready.js';
import type { LogStoreOptions } from '../wal/log-store.js';
import { PendingRequests, RaftRequestError } from './requests.js';
import type { Fsm, PeerGoneReporter, Transport } from './transport.js';
import { WalStorage } from './wal-storage.js';

/** Core settings a driver's caller may change (the rest of RaftConfig the driver supplies). */
export type RaftTuning = Partial<Pick<RaftConfig, 'electionTicks' | 'heartbeatTicks' | 'maxInflightMessages' | 'maxEntriesPerMessage' | 'maxBytesPerMessage' | 'snapshotChunkBytes' | 'preVote' | 'checkQuorum'>>;

export interface RaftDriverOptions<Result> {
  readonly id: NodeId;
  /** Voters of a brand-new cluster (ignored once the storage holds a configuration). */
  readonly voters: NodeId[];
  /** Directory of this node's log, hard state and snapshots (created if absent). */
  readonly dir: string;
  readonly clock: Clock;
  readonly random: Random;
  /** With onPeerGone (PeerGoneReporter), a follower campaigns soon after its leader's process died. */
  readonly transport: Transport & Partial<PeerGoneReporter>;
  readonly fsm: Fsm<Result>;
  /** Milliseconds per core tick: election timeout = electionTicks × tickMs (randomized up to 2×). */
  readonly tickMs: number;
  readonly tuning?: RaftTuning;
  /** Applied entries between snapshots (default limits.raftSnapshotEveryEntriesDefault). */
  readonly snapshotEveryEntries?: number;
  /** Entries kept in the log behind a snapshot (default limits.raftCompactionKeepEntriesDefault). */
  readonly compactionKeepEntries?: number;
  readonly log?: LogStoreOptions;
  /** Called once if the loop fails (a storage error): the node has stopped and must be restarted. */
  readonly onFatal?: (error: unknown) => void;
  /** Told after a Ready that changed the known leader or this node's role (leader = 0: none known). */
  readonly onLeaderChange?: (leader: NodeId, isLeader: boolean) => void;
}

export class RaftDriver<Result = unknown> {
  private readonly pending: PendingRequests<Result>;
  private tickTimer: Timer | undefined;
  /** Armed when the leader's process is gone (peerGone). */
  private campaignTimer: Timer | undefined;
  /** Monotonic time of the next tick (0 before the first). */
  private nextTickAtMs = 0;
  private scheduled = false;
  private turnRunning: Promise<void> | undefined;
  private closed = false;
  private applied: number;
  private appliedSinceSnapshot = 0;
  private readonly snapshotEveryEntries: number;
  private readonly compactionKeepEntries: number;
  private leaderId: NodeId = 0;
  /** Monotonic time of the last message from the leader (followers); -1 = never. */
  private lastContactAtMs = -1;
  /** Monotonic time of the last message from each peer (a leader's view of its followers). */
  private readonly heardFromAtMs = new Map<NodeId, number>();
  private readonly counters = { snapshotsInstalled: 0, snapshotsTaken: 0, leaderGoneCampaigns: 0 };

  private constructor(
    private readonly core: RaftCore,
    private readonly storage: WalStorage,
    private readonly options: RaftDriverOptions<Result>,
  ) {
    this.pending = new PendingRequests(options.clock, limits.raftReadTimeoutMs);
    this.applied = storage.snapshot().meta.index;
    this.snapshotEveryEntries = options.snapshotEveryEntries ?? limits.raftSnapshotEveryEntriesDefault;
    this.compactionKeepEntries = options.compactionKeepEntries ?? limits.raftCompactionKeepEntriesDefault;
  }

  /**
   * Opens (or recovers) the node in options.dir: hard state, log and the latest snapshot, from
   * which the Fsm is restored; committed entries after it are applied again by the loop. Starts
   * ticking and receiving at once.
   */
  static async open<Result>(options: RaftDriverOptions<Result>): Promise<RaftDriver<Result>> {
    const storage = await WalStorage.open(options.dir, options.log === undefined ? {} : { log: options.log });
    const snapshot = storage.snapshot();
    if (snapshot.meta.index > 0) options.fsm.restore(snapshot.data);
    const core = new RaftCore({ ...RAFT_DEFAULTS, ...options.tuning, id: options.id, voters: options.voters, learners: [], random: options.random, storage });
    const driver = new RaftDriver(core, storage, options);
    options.transport.onMessage((message) => driver.receive(message));
    options.transport.onPeerGone?.((peer) => driver.peerGone(peer));
    driver.armTick();
    return driver;
  }

  /**
   * Proposes `data` (leader only). Resolves with the Fsm's result once the entry applied here;
   * rejects with RaftRequestError: dropped (not leader, with the leader's id as a hint),
   * 'leadership-lost' (outcome unknown), 'overwritten', 'too-many-pending' or 'closed'.
   */
  propose(data: Uint8Array): Promise<Result> {
    if (this.closed) return Promise.reject(new RaftRequestError('closed', this.leaderId));
    if (this.pending.proposalCount() >= limits.raftPendingProposalsMax) return Promise.reject(new RaftRequestError('too-many-pending', this.leaderId));
    const outcome = this.core.propose(data);
    if (outcome.type === 'dropped') return Promise.reject(new RaftRequestError(outcome.reason, outcome.leader));
    this.schedule();
    return this.pending.addProposal(outcome.index, outcome.term);
  }

  /**
   * Proposes one membership change (leader only; one at a time). Resolves once the config entry
   * applied on this node; rejects like propose(), also with 'config-change-pending' or
   * 'invalid-config-change'.
   */
  changeMembership(change: ConfigChange): Promise<void> {
    if (this.closed) return Promise.reject(new RaftRequestError('closed', this.leaderId));
    const outcome = this.core.proposeConfigChange(change);
    if (outcome.type === 'dropped') return Promise.reject(new RaftRequestError(outcome.reason, outcome.leader));
    this.schedule();
    return this.pending.addProposal(outcome.index, outcome.term).then(() => undefined);
  }

  /**
   * A linearizable read barrier (ReadIndex): resolves once this node's Fsm has applied everything
   * committed when read() was called, so reading the Fsm right after is linearizable. Works on
   * followers too (one round trip to the leader). Rejects like propose(), or 'timeout' after
   * limits.raftReadTimeoutMs.
   */
  read(): Promise<void> {
    if (this.closed) return Promise.reject(new RaftRequestError('closed', this.leaderId));
    const { requestId, done } = this.pending.addRead();
    const outcome = this.core.readIndex(requestId);
    if (outcome.type === 'dropped') this.pending.failRead(requestId, new RaftRequestError(outcome.reason, outcome.leader));
    else this.schedule();
    return done;
  }

  /** Hands leadership to `to` (leader only); true when the core accepted the request. */
  transferLeadership(to: NodeId): boolean {
    const accepted = this.core.transferLeadership(to).type === 'ok';
    this.schedule();
    return accepted;
  }

  status(): RaftStatus {
    return this.core.status();
  }

  isLeader(): boolean {
    return this.core.softState().role === 'leader';
  }

  /** The known leader's id (0 = none known). */
  leader(): NodeId {
    return this.core.softState().leader;
  }

  /**
   * Milliseconds since this node last heard from its leader: 0 on the leader, Infinity when it
   * never did (Consul's X-Consul-LastContact and max_stale).
   */
  lastContactMs(): number {
    if (this.isLeader()) return 0;
    return this.lastContactAtMs < 0 ? Number.POSITIVE_INFINITY : this.options.clock.monotonicMs() - this.lastContactAtMs;
  }

  /** Milliseconds since a message from `peer` arrived (Infinity if none did): autopilot's health. */
  peerLastContactMs(peer: NodeId): number {
    if (peer === this.options.id) return 0;
    const at = this.heardFromAtMs.get(peer);
    return at === undefined ? Number.POSITIVE_INFINITY : this.options.clock.monotonicMs() - at;
  }

  /** Index of the last entry applied to the Fsm. */
  appliedIndex(): number {
    return this.applied;
  }

  /** Index of the latest snapshot on disk (0 = none). */
  snapshotIndex(): number {
    return this.storage.snapshot().meta.index;
  }

  /**
   * Snapshots installed from a leader and taken of the Fsm, and campaigns started because the
   * leader's process was gone (peerGone), since open (tests, metrics).
   */
  stats(): { snapshotsInstalled: number; snapshotsTaken: number; leaderGoneCampaigns: number } {
    return { ...this.counters };
  }

  /**
   * Stops ticking and receiving, lets a running loop turn finish (so nothing is half persisted),
   * fails waiting callers with 'closed' and closes the files. The transport is the caller's.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tickTimer?.cancel();
    this.campaignTimer?.cancel();
    await this.turnRunning;
    this.pending.failAll(new RaftRequestError('closed', this.leaderId));
    await this.storage.close();
  }

  private receive(message: Message): void {
    if (this.closed) return;
    this.core.step(message);
    const nowMs = this.options.clock.monotonicMs();
    if (message.from === this.core.softState().leader) this.lastContactAtMs = nowMs;
    this.heardFromAtMs.set(message.from, nowMs);
    this.schedule();
  }

  /**
   * The transport found `peer`'s port refusing connections: its process is gone. When it was our
   * leader, the core forgets it (and so grants pre-votes at once) and this node campaigns after a
   * short random delay: a cluster whose leader was killed elects the next one in tens of
   * milliseconds instead of an election timeout (1-2 s). The delay lets the other followers learn
   * of the death first, and its jitter keeps two of them from splitting the vote. A leader that is
   * merely cut off (no refusal, only silence) is still waited out by the election timeout.
   */
  private peerGone(peer: NodeId): void {
    const soft = this.core.softState();
    if (this.closed || soft.role !== 'follower' || soft.leader !== peer) return;
    this.core.forgetLeader();
    this.schedule();
    this.campaignTimer?.cancel();
    const delayMs = limits.raftLeaderGoneCampaignDelayMsMin + this.options.random.int(limits.raftLeaderGoneCampaignJitterMs);
    this.campaignTimer = this.options.clock.setTimer(delayMs, () => {
      const now = this.core.softState();
      if (this.closed || now.role !== 'follower' || now.leader !== NO_NODE) return;
      this.counters.leaderGoneCampaigns++;
      this.core.campaign();
      this.schedule();
    });
  }

  /**
   * Ticks on a fixed schedule (like Go's time.Ticker, which etcd uses): re-arming tickMs after each
   * late timer would stretch every tick by the timer's lateness, and an election timeout of 100+
   * ticks by 10-20 % on a busy machine. Ticks missed entirely (a long stall) are dropped, not
   * replayed, so a pause does not fire elections in a burst.
   */
  private armTick(): void {
    const { clock, tickMs } = this.options;
    const nowMs = clock.monotonicMs();
    if (this.nextTickAtMs === 0 || this.nextTickAtMs <= nowMs - tickMs) this.nextTickAtMs = nowMs + tickMs;
    this.tickTimer = clock.setTimer(this.nextTickAtMs - nowMs, () => {
      if (this.closed) return;
      this.core.tick();
      this.schedule();
      this.nextTickAtMs += tickMs;
      this.armTick();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.turnRunning === undefined) this.turnRunning = this.turn().finally(() => (this.turnRunning = undefined));
    });
  }

  /** Handles Readies until there is no work; a turn already running picks up new work itself. */
  private async turn(): Promise<void> {
    try {
      while (!this.closed && this.core.hasReady()) await this.handleReady(this.core.ready());
    } catch (error) {
      this.fatal(error);
    }
  }

  private async handleReady(ready: Ready): Promise<void> {
    // 1. persist: a vote or an append acknowledgement must survive a crash before it is sent.
    if (ready.snapshot !== undefined) {
      await this.storage.installSnapshot(ready.snapshot);
      this.options.fsm.restore(ready.snapshot.data);
      this.applied = ready.snapshot.meta.index;
      this.appliedSinceSnapshot = 0;
      this.counters.snapshotsInstalled++;
    }
    this.storage.append(ready.entries);
    if (ready.hardState !== undefined) this.storage.saveHardState(ready.hardState);
    // 2. send
    for (const message of ready.messages) {
      if (this.options.transport.send(message.to, message) === 'unreachable') this.core.reportUnreachable(message.to);
    }
    if (ready.softState !== undefined) this.softStateChanged(ready.softState);
    // 3. apply
    for (const entry of ready.committedEntries) this.apply(entry);
    for (const readState of ready.readStates) this.pending.readIndexKnown(readState.requestId, readState.index);
    this.pending.serveReads(this.applied);
    // 4. advance
    this.core.advance(ready);
    await this.maybeSnapshot();
  }

  private softStateChanged(soft: SoftState): void {
    const wasLeader = this.leaderId === this.options.id;
    if (soft.leader !== this.leaderId) this.pending.leaderChanged(soft.leader);
    if (wasLeader && soft.role !== 'leader') this.pending.leadershipLost(soft.leader);
    const leader = soft.role === 'leader' ? this.options.id : soft.leader;
    const changed = leader !== this.leaderId || wasLeader !== (soft.role === 'leader');
    this.leaderId = leader;
    if (changed) this.options.onLeaderChange?.(leader, soft.role === 'leader');
  }

  private apply(entry: Entry): void {
    this.applied = entry.index;
    this.appliedSinceSnapshot++;
    if (entry.type !== 'normal') {
      this.pending.applied(entry.index, entry.term, undefined as Result, this.leaderId);
      return;
    }
    const result = this.options.fsm.apply(entry);
    this.pending.applied(entry.index, entry.term, result, this.leaderId);
  }

  /** Snapshots the Fsm at the applied index (after advance: the core's config is then current). */
  private async maybeSnapshot(): Promise<void> {
    if (this.appliedSinceSnapshot < this.snapshotEveryEntries) return;
    this.appliedSinceSnapshot = 0;
    const index = this.applied;
    if (index <= this.storage.snapshot().meta.index) return;
    await this.storage.createSnapshot(index, this.core.status().config, this.options.fsm.snapshot());
    this.storage.compact(Math.max(0, index - this.compactionKeepEntries));
    this.counters.snapshotsTaken++;
  }

  private fatal(error: unknown): void {
    this.closed = true;
    this.tickTimer?.cancel();
    this.campaignTimer?.cancel();
    this.pending.failAll(new RaftRequestError('closed', this.leaderId));
    this.options.onFatal?.(error);
  }
}
