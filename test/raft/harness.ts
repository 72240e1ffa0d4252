// A minimal hand-driven cluster for the paper tests: cores over MemoryStorage, a message queue
// delivered on request (optionally filtered), and a driver step that follows the Ready contract.

import type { Random } from '../../src/lib/random.js';
import { MemoryStorage, RaftCore, type Entry, type Message, type NodeId, type RaftConfig } from '../../src/raft/index.js';

/** int() → 0: every randomized election timeout is exactly electionTicks. */
export const FIXED_RANDOM: Random = { float: () => 0, int: () => 0, uuid: () => '00000000-0000-4000-8000-000000000000' };

export function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(data) };
}

export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

export interface NodeSpec {
  /** Log entries already stored (indexes from 1). */
  log?: Entry[];
  term?: number;
  vote?: NodeId;
  commit?: number;
}

export class TestCluster {
  readonly cores = new Map<NodeId, RaftCore>();
  readonly storages = new Map<NodeId, MemoryStorage>();
  readonly applied = new Map<NodeId, Entry[]>();
  queue: Message[] = [];

  constructor(
    voters: NodeId[],
    overrides: Partial<RaftConfig> = {},
    specs: Record<number, NodeSpec> = {},
    learners: NodeId[] = [],
  ) {
    for (const id of [...voters, ...learners]) {
      const storage = new MemoryStorage();
      const spec = specs[id] ?? {};
      storage.append(spec.log ?? []);
      storage.setHardState({ term: spec.term ?? 0, vote: spec.vote ?? 0, commit: spec.commit ?? 0 });
      this.storages.set(id, storage);
      this.applied.set(id, []);
      this.cores.set(id, new RaftCore(config(id, voters, learners, storage, overrides)));
    }
  }

  core(id: NodeId): RaftCore {
    const core = this.cores.get(id);
    if (core === undefined) throw new Error(`no node ${id}`);
    return core;
  }

  /** Persists, queues messages, applies, advances: one Ready of one node. */
  processReady(id: NodeId): void {
    const core = this.core(id);
    if (!core.hasReady()) return;
    const ready = core.ready();
    const storage = this.storages.get(id);
    if (storage === undefined) throw new Error(`no storage ${id}`);
    if (ready.snapshot !== undefined) storage.applySnapshot(ready.snapshot);
    storage.append(ready.entries);
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
    this.queue.push(...ready.messages);
    this.applied.get(id)?.push(...ready.committedEntries);
    this.readStates.push(...ready.readStates.map((read) => ({ node: id, ...read })));
    core.advance(ready);
  }

  readonly readStates: { node: NodeId; requestId: number; index: number }[] = [];

  processAll(): void {
    for (const id of this.cores.keys()) this.processReady(id);
  }

  /** Delivers queued messages accepted by `filter` (others are dropped); returns the delivered. */
  deliver(filter: (message: Message) => boolean = () => true): Message[] {
    const messages = this.queue;
    this.queue = [];
    const delivered = messages.filter(filter);
    for (const message of delivered) this.cores.get(message.to)?.step(message);
    return delivered;
  }

  /** Alternates process/deliver until quiet; `filter` drops messages it rejects. */
  stabilize(filter: (message: Message) => boolean = () => true): void {
    for (let round = 0; round < 200; round++) {
      this.processAll();
      if (this.queue.length === 0) return;
      this.deliver(filter);
    }
    throw new Error('cluster did not stabilize');
  }

  /** Elects `id` (campaign + stabilize) and returns its core. */
  elect(id: NodeId): RaftCore {
    this.core(id).campaign();
    this.stabilize();
    return this.core(id);
  }
}

export function config(id: NodeId, voters: NodeId[], learners: NodeId[], storage: MemoryStorage, overrides: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    voters,
    learners,
    electionTicks: 10,
    heartbeatTicks: 1,
    maxInflightMessages: 256,
    maxEntriesPerMessage: 64,
    maxBytesPerMessage: 1024 * 1024,
    snapshotChunkBytes: 1024,
    preVote: false,
    checkQuorum: false,
    random: FIXED_RANDOM,
    storage,
    ...overrides,
  };
}
