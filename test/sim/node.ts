// One simulated server: a RaftCore, its durable MemoryStorage, the KV state machine, and a
// driver that obeys the Ready contract (persist → send → apply → advance). A crash throws away
// everything but the storage, so whatever the core held without the driver having persisted it
// is lost, exactly as on a real machine.

import { SeededRandom } from '../../src/lib/random.js';
import { MemoryStorage, RaftCore, type Entry, type Message, type NodeId, type RaftConfig } from '../../src/raft/index.js';
import { KvStateMachine } from './kv.js';

export interface NodeSettings {
  electionTicks: number;
  heartbeatTicks: number;
  maxInflightMessages: number;
  maxEntriesPerMessage: number;
  maxBytesPerMessage: number;
  snapshotChunkBytes: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Take a snapshot (and compact) every this many applied entries. */
  snapshotEveryEntries: number;
  /** Entries kept before the snapshot index when compacting. */
  compactionKeepEntries: number;
}

/** What the driver reports back to the simulation while handling one Ready. */
export interface DriverHooks {
  send(message: Message): void;
  applied(node: SimNode, entry: Entry): void;
  readServed(node: SimNode, requestId: number, value: (key: string) => string): void;
}

export class SimNode {
  readonly storage = new MemoryStorage();
  core: RaftCore | undefined;
  machine = new KvStateMachine();
  appliedIndex = 0;
  /** ReadIndex answers waiting for applied ≥ index. */
  private waitingReads: { requestId: number; index: number }[] = [];
  private appliedSinceSnapshot = 0;
  restarts = 0;

  constructor(
    readonly id: NodeId,
    private readonly initialVoters: NodeId[],
    private readonly settings: NodeSettings,
    private readonly seed: number,
  ) {}

  get up(): boolean {
    return this.core !== undefined;
  }

  start(): void {
    const config: RaftConfig = {
      id: this.id,
      voters: this.initialVoters,
      learners: [],
      electionTicks: this.settings.electionTicks,
      heartbeatTicks: this.settings.heartbeatTicks,
      maxInflightMessages: this.settings.maxInflightMessages,
      maxEntriesPerMessage: this.settings.maxEntriesPerMessage,
      maxBytesPerMessage: this.settings.maxBytesPerMessage,
      snapshotChunkBytes: this.settings.snapshotChunkBytes,
      preVote: this.settings.preVote,
      checkQuorum: this.settings.checkQuorum,
      random: new SeededRandom(this.seed * 7919 + this.id * 104729 + this.restarts),
      storage: this.storage,
    };
    this.core = new RaftCore(config);
    // The state machine is rebuilt from the snapshot; Raft replays the committed entries after it.
    const snapshot = this.storage.snapshot();
    this.machine = KvStateMachine.restore(snapshot.data);
    this.appliedIndex = snapshot.meta.index;
    this.waitingReads = [];
    this.appliedSinceSnapshot = 0;
  }

  crash(): void {
    this.core = undefined;
    this.restarts++;
  }

  /**
   * Handles one Ready. With crashAfterPersist, the node dies after step 1: the batch is durable
   * but no message was sent and nothing applied.
   */
  handleReady(hooks: DriverHooks, crashAfterPersist: boolean): void {
    const core = this.core;
    if (core === undefined || !core.hasReady()) return;
    const ready = core.ready();
    // 1. persist
    if (ready.snapshot !== undefined) {
      this.storage.applySnapshot(ready.snapshot);
      this.machine = KvStateMachine.restore(ready.snapshot.data);
      this.appliedIndex = ready.snapshot.meta.index;
    }
    this.storage.append(ready.entries);
    if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
    if (crashAfterPersist) {
      this.crash();
      return;
    }
    // 2. send
    for (const message of ready.messages) hooks.send(message);
    // 3. apply
    for (const entry of ready.committedEntries) {
      if (entry.type === 'normal') this.machine.apply(entry.data);
      this.appliedIndex = entry.index;
      this.appliedSinceSnapshot++;
      hooks.applied(this, entry);
    }
    this.waitingReads.push(...ready.readStates);
    this.serveReads(hooks);
    // 4. advance
    core.advance(ready);
    this.maybeSnapshot(core);
  }

  private serveReads(hooks: DriverHooks): void {
    const still: { requestId: number; index: number }[] = [];
    for (const read of this.waitingReads) {
      if (read.index <= this.appliedIndex) hooks.readServed(this, read.requestId, (key) => this.machine.get(key));
      else still.push(read);
    }
    this.waitingReads = still;
  }

  private maybeSnapshot(core: RaftCore): void {
    if (this.appliedSinceSnapshot < this.settings.snapshotEveryEntries) return;
    this.appliedSinceSnapshot = 0;
    if (this.appliedIndex <= this.storage.snapshot().meta.index) return;
    this.storage.createSnapshot(this.appliedIndex, core.status().config, this.machine.snapshot());
    this.storage.compact(Math.max(0, this.appliedIndex - this.settings.compactionKeepEntries));
  }
}
