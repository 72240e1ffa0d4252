// Storage: the read side of the durable log, as the core sees it. The driver writes (through the
// WAL, or MemoryStorage's write methods in tests) what each Ready asked it to persist; the core
// only reads. MemoryStorage is the in-memory implementation used by tests and the simulator and
// wrapped by the WAL later.

import { assert } from '../lib/assert.js';
import type { ConfigState, Entry, HardState, Snapshot } from './messages.js';
import { entryBytes } from './messages.js';

export interface InitialState {
  hardState: HardState;
  /** Membership at the latest snapshot (empty lists when there is none). */
  config: ConfigState;
}

/**
 * Read-side storage contract. Called only by the core, synchronously, from the driver's single
 * thread; never concurrently with the driver's writes. Returned arrays and entries belong to the
 * caller until the next write (the core does not mutate them).
 *
 * Indexes: entries are contiguous over [firstIndex(), lastIndex()]; firstIndex() - 1 is the
 * index of the latest snapshot (0 without one), whose term term() still answers.
 */
export interface Storage {
  /** The persisted hard state and the snapshot's membership; called once, at construction. */
  initialState(): InitialState;
  /**
   * Entries [lo, hi), truncated to keep their total payload under maxBytes — but at least one
   * entry is returned when lo < hi. Precondition: firstIndex() ≤ lo ≤ hi ≤ lastIndex() + 1
   * (the core checks; a violation throws an AssertionError).
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry `index`, or undefined when it was compacted or is beyond lastIndex(). */
  term(index: number): number | undefined;
  /** Index of the first entry still available (snapshot index + 1). */
  firstIndex(): number;
  /** Index of the last entry (the snapshot index when the log after it is empty). */
  lastIndex(): number;
  /** The latest snapshot; meta.index 0 means none has been taken. */
  snapshot(): Snapshot;
}

const EMPTY_CONFIG: ConfigState = { voters: [], learners: [] };

export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private latestSnapshot: Snapshot = { meta: { index: 0, term: 0, config: EMPTY_CONFIG }, data: new Uint8Array() };
  /** entries[0] is a dummy standing for the snapshot (its index and term); real entries follow. */
  private log: Entry[] = [{ index: 0, term: 0, type: 'normal', data: new Uint8Array() }];

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, config: cloneConfig(this.latestSnapshot.meta.config) };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo >= this.firstIndex() && lo <= hi && hi <= this.lastIndex() + 1, `storage.entries(${lo}, ${hi}) out of range`);
    const offset = this.dummy().index;
    return limitBytes(this.log.slice(lo - offset, hi - offset), maxBytes);
  }

  term(index: number): number | undefined {
    const offset = this.dummy().index;
    if (index < offset || index > this.lastIndex()) return undefined;
    return this.log[index - offset]?.term;
  }

  firstIndex(): number {
    return this.dummy().index + 1;
  }

  lastIndex(): number {
    return this.dummy().index + this.log.length - 1;
  }

  snapshot(): Snapshot {
    return this.latestSnapshot;
  }

  // --- write side: the driver's, never the core's ---

  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  /** Appends entries, first truncating any existing entries at or after entries[0].index. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const offset = this.dummy().index;
    assert(first.index > offset, `append at ${first.index} overwrites the snapshot at ${offset}`);
    assert(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    // Truncate in place (a conflict replaces the suffix), then append: no copy of the whole log.
    this.log.length = first.index - offset;
    for (const entry of entries) this.log.push(entry);
  }

  /** Replaces everything with a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void {
    assert(snapshot.meta.index >= this.dummy().index, 'applySnapshot: older than the current snapshot');
    this.latestSnapshot = { meta: { ...snapshot.meta, config: cloneConfig(snapshot.meta.config) }, data: snapshot.data };
    this.log = [{ index: snapshot.meta.index, term: snapshot.meta.term, type: 'normal', data: new Uint8Array() }];
  }

  /** Records a snapshot of the state machine at `index` (≤ lastIndex) without discarding entries. */
  createSnapshot(index: number, config: ConfigState, data: Uint8Array): Snapshot {
    assert(index > this.dummy().index && index <= this.lastIndex(), `createSnapshot(${index}) out of range`);
    const term = this.term(index);
    assert(term !== undefined, 'createSnapshot: unknown term');
    this.latestSnapshot = { meta: { index, term, config: cloneConfig(config) }, data };
    return this.latestSnapshot;
  }

  /**
   * Discards entries up to `index` (≤ the latest snapshot's index, so a follower that needs them
   * can be sent the snapshot); entry `index` becomes the new dummy (its term still known).
   */
  compact(index: number): void {
    const offset = this.dummy().index;
    if (index <= offset) return;
    assert(index <= this.latestSnapshot.meta.index, `compact(${index}) beyond the snapshot at ${this.latestSnapshot.meta.index}`);
    const kept = this.log[index - offset];
    assert(kept !== undefined, 'compact: missing entry');
    this.log = [{ index: kept.index, term: kept.term, type: 'normal', data: new Uint8Array() }, ...this.log.slice(index - offset + 1)];
  }

  private dummy(): Entry {
    const dummy = this.log[0];
    assert(dummy !== undefined, 'memory storage lost its dummy entry');
    return dummy;
  }
}

export function cloneConfig(config: ConfigState): ConfigState {
  return { voters: [...config.voters], learners: [...config.learners] };
}

/** The longest prefix whose payload fits maxBytes, but never less than one entry. */
export function limitBytes<T extends Entry>(entries: T[], maxBytes: number): T[] {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined) break;
    total += entryBytes(entry);
    if (i > 0 && total > maxBytes) return entries.slice(0, i);
  }
  return entries;
}
