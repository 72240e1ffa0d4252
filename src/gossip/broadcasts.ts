// BroadcastQueue: the bounded retransmit queue that piggybacks membership news on every packet
// (memberlist's TransmitLimitedQueue, queue.go).
//
// Invariants:
//   - at most one entry per key: news about a member replaces older news about it (an alive at a
//     higher incarnation makes the suspect before it worthless); unkeyed entries (user events) never collide;
//   - an entry is sent at most `retransmitLimit` times, then dropped; the limit is
//     retransmitMult × ceil(log10(n + 1)), enough for epidemic spread to reach all n with high probability;
//   - the queue holds at most `maxEntries`; past it the most-sent (then oldest) entries are dropped;
//   - fewest-sent first, newest first among equals, so fresh news leaves before old news.

import { assert } from '../lib/assert.js';
import { framedBytes } from './codec.js';

export interface QueuedBroadcast {
  /** Member name the news is about, or undefined for news that never supersedes (user events). */
  key: string | undefined;
  bytes: Uint8Array;
  transmits: number;
  /** Insertion order: larger is newer. */
  id: number;
}

/** memberlist's retransmitLimit: retransmitMult × ceil(log10(n + 1)). */
export function retransmitLimit(retransmitMult: number, memberCount: number): number {
  return retransmitMult * Math.ceil(Math.log10(memberCount + 1));
}

function sendOrder(a: QueuedBroadcast, b: QueuedBroadcast): number {
  return a.transmits - b.transmits || b.id - a.id;
}

export class BroadcastQueue {
  private readonly entries = new Map<number, QueuedBroadcast>();
  private readonly idByKey = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly maxEntries: number) {
    assert(maxEntries > 0, 'broadcast queue needs room');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Queues encoded news; replaces any queued news with the same key. */
  queue(key: string | undefined, bytes: Uint8Array): void {
    if (key !== undefined) {
      const previous = this.idByKey.get(key);
      if (previous !== undefined) this.entries.delete(previous);
    }
    const id = this.nextId++;
    this.entries.set(id, { key, bytes, transmits: 0, id });
    if (key !== undefined) this.idByKey.set(key, id);
    if (this.entries.size > this.maxEntries) this.prune();
  }

  /**
   * Takes broadcasts that fit in `budgetBytes` (counting frame headers), counting one transmission
   * for each and dropping those that reached `limit`. The returned bytes belong to the caller.
   */
  take(budgetBytes: number, limit: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.entries.size === 0) return out;
    let remaining = budgetBytes;
    for (const entry of [...this.entries.values()].sort(sendOrder)) {
      const cost = framedBytes(entry.bytes);
      if (cost > remaining) continue;
      remaining -= cost;
      out.push(entry.bytes);
      entry.transmits += 1;
      if (entry.transmits >= limit) this.remove(entry);
      if (remaining <= 0) break;
    }
    return out;
  }

  /** Snapshot for tests and metrics: entries in send order. */
  pending(): readonly Readonly<QueuedBroadcast>[] {
    return [...this.entries.values()].sort(sendOrder);
  }

  private remove(entry: QueuedBroadcast): void {
    this.entries.delete(entry.id);
    if (entry.key !== undefined && this.idByKey.get(entry.key) === entry.id) this.idByKey.delete(entry.key);
  }

  private prune(): void {
    const byAge = [...this.entries.values()].sort(sendOrder);
    for (let i = this.maxEntries; i < byAge.length; i++) {
      const entry = byAge[i];
      if (entry !== undefined) this.remove(entry);
    }
  }
}
