// The leader's view of each follower (etcd's tracker/progress.go, inflights.go, rewritten):
//
//   probe      — we do not know where the follower's log matches ours; send one append at a time
//                (flowPaused holds further sends until a response or the next heartbeat).
//   replicate  — the follower is matching; stream appends optimistically, `next` runs ahead of
//                `match`, bounded by the in-flight window (maxInflightMessages).
//   snapshot   — the follower needs entries we compacted; we are sending a snapshot in chunks and
//                send nothing else until it reports that it has it.
//
// Transitions: probe → replicate on the first accepted append; replicate → probe on a rejection;
// any → snapshot when needed entries are compacted; snapshot → probe once match reaches the snapshot.

import { assert, unreachable } from '../lib/assert.js';
import type { Snapshot } from './messages.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** Last indexes of appends sent but not yet acknowledged, oldest first, at most `capacity`. */
export class Inflights {
  private readonly lastIndexes: number[] = [];

  constructor(readonly capacity: number) {
    assert(capacity > 0, 'inflight capacity must be positive');
  }

  add(lastIndex: number): void {
    assert(!this.full(), 'inflights: add while full');
    this.lastIndexes.push(lastIndex);
  }

  /** Frees every append whose last index is ≤ index (the follower acknowledged them). */
  freeLE(index: number): void {
    let count = 0;
    while (count < this.lastIndexes.length && (this.lastIndexes[count] ?? Infinity) <= index) count++;
    this.lastIndexes.splice(0, count);
  }

  full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }

  count(): number {
    return this.lastIndexes.length;
  }

  reset(): void {
    this.lastIndexes.length = 0;
  }
}

/** A snapshot being sent in chunks: `offsetBytes` is the next byte the follower asked for. */
export interface SnapshotTransfer {
  snapshot: Snapshot;
  offsetBytes: number;
  /** offsetBytes when the previous heartbeat response came: unchanged means a chunk was lost. */
  offsetAtLastHeartbeat: number;
}

export class Progress {
  /** Highest index known to match the leader's log. Invariant: match < next. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /**
   * Sending is paused: in probe state an append is outstanding; in replicate state the window is
   * full. A heartbeat response clears it, letting one more (possibly empty) append out: if every
   * append in flight was lost, that append's answer unblocks the follower.
   */
  flowPaused = false;
  /** In snapshot state: the snapshot index being sent, and the transfer. */
  pendingSnapshot = 0;
  transfer: SnapshotTransfer | undefined = undefined;
  /** Heard from since the last CheckQuorum round (or since becoming leader). */
  recentActive = false;
  /** Highest ReadIndex heartbeat context this peer echoed in the current term. */
  readAckedContext = 0;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflightMessages: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMessages);
  }

  becomeProbe(): void {
    // Coming back from a snapshot, continue after it; otherwise after what matched.
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(transfer: SnapshotTransfer): void {
    this.resetState('snapshot');
    this.pendingSnapshot = transfer.snapshot.meta.index;
    this.transfer = transfer;
  }

  /** Records an acknowledgement up to `index`; returns false when it tells nothing new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.flowPaused = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * Handles a rejection of the append whose previous index was `rejected`; `matchHint` is the
   * highest index that may still match. Returns false for a stale rejection (ignored).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.flowPaused = false;
    return true;
  }

  /** Bookkeeping after sending an append whose entries end at `lastIndex` (none: count 0). */
  sentEntries(count: number, lastIndex: number): void {
    switch (this.state) {
      case 'replicate':
        if (count > 0) {
          this.next = lastIndex + 1;
          this.inflights.add(lastIndex);
        }
        this.flowPaused = this.inflights.full();
        break;
      case 'probe':
        this.flowPaused = true;
        break;
      case 'snapshot':
        assert(false, 'sending entries to a follower in snapshot state');
        break;
      default:
        unreachable(this.state);
    }
  }

  /** Whether sending more appends must wait (flow control). */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
      case 'replicate':
        return this.flowPaused;
      case 'snapshot':
        return true;
      default:
        return unreachable(this.state);
    }
  }

  private resetState(state: ProgressState): void {
    this.flowPaused = false;
    this.pendingSnapshot = 0;
    this.transfer = undefined;
    this.state = state;
    this.inflights.reset();
  }
}
