// RaftLog: the stable log (Storage, durable) plus the unstable tail (this process only), with the
// commit and apply cursors. Invariant: applied ≤ committed ≤ lastIndex(); firstIndex() - 1 is the
// latest snapshot index, whose term is still known.

import { assert } from '../lib/assert.js';
import type { Entry, Snapshot } from './messages.js';
import type { Storage } from './storage.js';
import { limitBytes } from './storage.js';
import { UnstableLog } from './log-unstable.js';

export class RaftLog {
  readonly unstable: UnstableLog;
  /** Highest index known committed (replicated on a quorum). */
  committed: number;
  /** Highest index handed to the driver to apply (in a Ready it acknowledged by advance()). */
  applied: number;

  constructor(
    readonly storage: Storage,
    applied: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
    if (applied > this.applied) this.applied = applied;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, 'term of the last index is unknown');
    return term;
  }

  /** Term of entry `index`; undefined when compacted away or beyond the last index. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    return this.unstable.maybeTerm(index) ?? this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The follower side of AppendEntries: if our log has (prevIndex, prevTerm), append `entries`
   * (dropping any conflicting suffix) and advance commit to min(commit, last new index).
   * Returns the last new index, or undefined when the consistency check fails.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNewIndex = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with committed entry ${this.committed}`);
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(commit, lastNewIndex));
    return lastNewIndex;
  }

  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    assert(first.index - 1 >= this.committed, `append at ${first.index} would overwrite committed ${this.committed}`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /** Index of the first entry whose term differs from ours (or that we lack); 0 if none. */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`, with that term (0 when unknown, i.e.
   * compacted). Used on both sides of the fast back-off after a rejected append.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i > 0; i--) {
      const ourTerm = this.term(i);
      if (ourTerm === undefined) return { index: i, term: 0 };
      if (ourTerm <= term) return { index: i, term: ourTerm };
    }
    return { index: 0, term: 0 };
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** §5.4.2: a leader commits `index` by counting replicas only if it is from its own term. */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    assert(index <= this.committed && index >= this.applied, `applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  /** Entries [lo, lastIndex], bounded by maxBytes; undefined when lo was compacted. */
  entriesFrom(lo: number, maxBytes: number): Entry[] | undefined {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  /** Entries [lo, hi) bounded by maxBytes (at least one), or undefined when lo was compacted. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return undefined;
    assert(hi <= this.lastIndex() + 1, `slice(${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    const unstableFrom = this.unstable.offset;
    let result: Entry[] = [];
    if (lo < unstableFrom) {
      result = this.storage.entries(lo, Math.min(hi, unstableFrom), maxBytes);
      if (result.length < Math.min(hi, unstableFrom) - lo) return result; // byte limit reached
    }
    if (hi > unstableFrom) result = result.concat(this.unstable.slice(Math.max(lo, unstableFrom), hi));
    return limitBytes(result, maxBytes);
  }

  /** Committed entries not yet handed out for applying; none while a snapshot is pending. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    if (this.unstable.snapshot !== undefined || this.applied >= this.committed) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1, maxBytes) ?? [];
  }

  hasNextCommittedEntries(): boolean {
    return this.unstable.snapshot === undefined && this.applied < this.committed;
  }

  unstableEntries(): Entry[] {
    return [...this.unstable.entries];
  }

  /** Installs a snapshot received from the leader: the whole log is replaced by it. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.meta.index;
    this.unstable.restore(snapshot);
  }

  /** The snapshot to send: the unstable one if any, else storage's. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }
}
