// Tombstone GC, run by the leader: KV tombstones (tables/tombstones.ts) are kept for the
// tombstone TTL so that blocking clients see a prefix's index move, then reaped with one
// TombstoneReap command. Deletes are grouped into buckets of the GC granularity, so a stream of
// deletes costs one timer and one command per bucket, not one per key (Consul's TombstoneGC).

import { CommandType } from '../../catalog/commands.js';
import type { Timer } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { ServerContext } from '../context.js';

export class TombstoneGc {
  /** Bucket (expiry time / granularity) → the largest tombstone index to reap then, and its timer. */
  private readonly buckets = new Map<number, { upTo: number; timer: Timer }>();
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly context: ServerContext,
    private readonly onError: (error: unknown) => void,
    private readonly ttlMs = limits.tombstoneTtlMs,
    private readonly granularityMs = limits.tombstoneGranularityMs,
  ) {}

  start(): void {
    // Tombstones that predate this leader are reaped one TTL from now.
    if (this.context.store.tombstones.size > 0) this.hint(this.context.store.maxIndex(['tombstones']));
    this.unwatch = this.context.store.watch(['tombstones'], () => this.hint(this.context.store.maxIndex(['tombstones'])));
  }

  stop(): void {
    this.unwatch?.();
    for (const { timer } of this.buckets.values()) timer.cancel();
    this.buckets.clear();
  }

  get pendingBuckets(): number {
    return this.buckets.size;
  }

  private hint(index: number): void {
    const expiresMs = this.context.clock.monotonicMs() + this.ttlMs;
    const bucket = Math.ceil(expiresMs / this.granularityMs);
    const existing = this.buckets.get(bucket);
    if (existing !== undefined) {
      existing.upTo = Math.max(existing.upTo, index);
      return;
    }
    const delayMs = bucket * this.granularityMs - this.context.clock.monotonicMs();
    const timer = this.context.clock.setTimer(delayMs, () => this.reap(bucket));
    this.buckets.set(bucket, { upTo: index, timer });
  }

  private reap(bucket: number): void {
    const entry = this.buckets.get(bucket);
    this.buckets.delete(bucket);
    if (entry === undefined) return;
    this.context.log.propose({ type: CommandType.TombstoneReap, upTo: entry.upTo }).catch(this.onError);
  }
}
