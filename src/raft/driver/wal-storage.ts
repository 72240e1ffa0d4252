// WalStorage: the core's Storage (storage.ts) over the durable stores of ../wal/. Reads come from
// an in-memory cache of the newest entries when they can (a leader re-reads what it just appended
// to replicate it) and from the LogStore otherwise; the latest snapshot is held in memory because
// the core reads it synchronously to send it. Writes are the driver's, each durable on return.
//
//   dir/log/     LogStore segments        dir/stable/  StableStore (hard state)
//   dir/snap/    SnapshotStore files
//
// Recovery (open): the newest valid snapshot is loaded; if the log does not contain it (a crash
// between saving a leader's snapshot and resetting the log), the log is reset to start after it.

import { join } from 'node:path';
import { assert } from '../../lib/assert.js';
import { limits } from '../../lib/limits.js';
import type { ConfigState, Entry, HardState, Snapshot } from '../messages.js';
import { cloneConfig, type InitialState, limitBytes, type Storage } from '../storage.js';
import { LogStore, type LogStoreOptions } from '../wal/log-store.js';
import { SnapshotStore } from '../wal/snapshot-store.js';
import { StableStore } from '../wal/stable-store.js';

export interface WalStorageOptions {
  readonly log?: LogStoreOptions;
  /** Snapshot files kept (default limits.walSnapshotsRetained). */
  readonly snapshotsRetained?: number;
  /** Newest entries cached in memory (default limits.raftEntryCacheEntries). */
  readonly cacheEntries?: number;
}

const noSnapshot: Snapshot = { meta: { index: 0, term: 0, config: { voters: [], learners: [] } }, data: new Uint8Array() };

export class WalStorage implements Storage {
  /** Entries [cacheStart, cacheStart + cache.length), always a suffix of the log (or empty). */
  private cache: Entry[] = [];
  private cacheStart = 0;

  private constructor(
    private readonly log: LogStore,
    private readonly stable: StableStore,
    private readonly snapshots: SnapshotStore,
    private latest: Snapshot,
    private readonly cacheEntries: number,
  ) {}

  /** Opens (creating if absent) the stores under `dir` and recovers them. Caller: the driver at start. */
  static async open(dir: string, options: WalStorageOptions = {}): Promise<WalStorage> {
    const log = await LogStore.open(join(dir, 'log'), options.log);
    const stable = await StableStore.open(join(dir, 'stable'));
    const snapshots = await SnapshotStore.open(join(dir, 'snap'), options.snapshotsRetained ?? limits.walSnapshotsRetained);
    const handle = await snapshots.latest();
    let latest = noSnapshot;
    if (handle !== undefined) {
      latest = { meta: { index: handle.meta.index, term: handle.meta.term, config: cloneConfig(handle.meta.config) }, data: await handle.read() };
      const { index, term } = latest.meta;
      if (log.lastIndex() < index || log.term(index) !== term) log.reset(index, term);
    }
    return new WalStorage(log, stable, snapshots, latest, options.cacheEntries ?? limits.raftEntryCacheEntries);
  }

  // --- read side: the core's (Storage contract in storage.ts) ---

  initialState(): InitialState {
    const saved = this.stable.hardState();
    // A snapshot is only ever taken of committed entries, so commit is at least its index.
    const hardState = { term: saved.term, vote: saved.vote, commit: Math.max(saved.commit, this.latest.meta.index) };
    return { hardState, config: cloneConfig(this.latest.meta.config) };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo >= this.firstIndex() && lo <= hi && hi <= this.lastIndex() + 1, `storage.entries(${lo}, ${hi}) out of range`);
    if (this.cache.length > 0 && lo >= this.cacheStart) return limitBytes(this.cache.slice(lo - this.cacheStart, hi - this.cacheStart), maxBytes);
    return this.log.entries(lo, hi, maxBytes);
  }

  term(index: number): number | undefined {
    if (index === this.latest.meta.index && index > 0) return this.latest.meta.term;
    // Compacted: the cache may still hold it, but the contract says undefined below firstIndex - 1.
    if (index < this.log.firstIndex() - 1) return undefined;
    if (this.cache.length > 0 && index >= this.cacheStart) return this.cache[index - this.cacheStart]?.term;
    return this.log.term(index);
  }

  /** The log's first entry: at most the snapshot's index + 1 (entries kept behind it stay readable). */
  firstIndex(): number {
    return this.log.firstIndex();
  }

  lastIndex(): number {
    return Math.max(this.log.lastIndex(), this.latest.meta.index);
  }

  snapshot(): Snapshot {
    return this.latest;
  }

  // --- write side: the driver's ---

  /** Durable hard state (one fdatasync, none when unchanged). */
  saveHardState(state: HardState): void {
    this.stable.save(state);
  }

  /** Durable append (one fdatasync per batch); replaces any suffix from entries[0].index on. */
  append(entries: Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    this.log.append(entries);
    const cacheEnd = this.cacheStart + this.cache.length;
    if (this.cache.length === 0 || first.index < this.cacheStart || first.index > cacheEnd) {
      this.cache = entries.slice();
      this.cacheStart = first.index;
    } else {
      this.cache.length = first.index - this.cacheStart;
      for (const entry of entries) this.cache.push(entry);
    }
    // Trim in bulk when the cache reaches twice its size, so each append costs O(its own entries).
    if (this.cache.length >= 2 * this.cacheEntries) {
      const drop = this.cache.length - this.cacheEntries;
      this.cache = this.cache.slice(drop);
      this.cacheStart += drop;
    }
  }

  /**
   * Installs a snapshot sent by the leader: saved durably first, then the log restarts after it
   * (a crash in between is repaired by open()). The caller restores its state machine from it.
   */
  async installSnapshot(snapshot: Snapshot): Promise<void> {
    const { index, term } = snapshot.meta;
    await this.snapshots.save(snapshot.meta, snapshot.data);
    this.log.reset(index, term);
    this.latest = { meta: { index, term, config: cloneConfig(snapshot.meta.config) }, data: snapshot.data };
    this.cache = [];
  }

  /** Saves a snapshot of the state machine at `index` (applied, so in the log) durably. */
  async createSnapshot(index: number, config: ConfigState, data: Uint8Array): Promise<void> {
    assert(index > this.latest.meta.index && index <= this.lastIndex(), `createSnapshot(${index}) out of range`);
    const term = this.term(index);
    assert(term !== undefined, `createSnapshot(${index}): unknown term`);
    const meta = { index, term, config: cloneConfig(config) };
    await this.snapshots.save(meta, data);
    this.latest = { meta, data };
  }

  /**
   * Drops log segments wholly at or below `upToIndex` (≤ the snapshot's index, so whatever a
   * follower can no longer get from the log it gets from the snapshot).
   */
  compact(upToIndex: number): void {
    assert(upToIndex <= this.latest.meta.index, `compact(${upToIndex}) beyond the snapshot at ${this.latest.meta.index}`);
    this.log.compact(upToIndex);
  }

  /** Closes the files; everything written is already durable. */
  async close(): Promise<void> {
    await this.log.close();
    this.stable.close();
  }
}
