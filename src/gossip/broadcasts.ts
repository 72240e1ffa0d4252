// BroadcastQueue: the bounded retransmit queue that piggybacks membership news on every packet
// (memberlist's TransmitLimitedQueue, queue.go).
//
// Invariants:
//   - at most one entry per key: news about a member replaces older news about it (an alive at a
//     higher incarnation makes the suspect before it worthless); unkeyed entries (user events) never collide;
//   - an entry is sent at most `retransmitLimit` times, then dropped; the limit is
//     retransmitMult × ceil(log10(n + 1)), enough for epidemic spread to reach all n with high probability;
//   - the queue holds at most `maxEntries`; past it the most-sent (then oldest) entries are dropped;
//   - fewest-sent first, newest first among equals (newest = most recently queued or moved to its
//     send count), so fresh news leaves before old news.
//
// Shape: one array per send count, appended to on arrival, so take() walks the fewest-sent arrays
// from their newest end and stops once a packet is full — O(packet), not O(queue), which matters
// when a partition fills every member's queue. Entries leave arrays lazily (a `live` flag and
// `transmits` that no longer match); an array is compacted when mostly stale.

import { assert } from '../lib/assert.js';
import { framedBytes } from './codec.js';

export interface QueuedBroadcast {
  /** Member name the news is about, or undefined for news that never supersedes (user events). */
  key: string | undefined;
  bytes: Uint8Array;
  transmits: number;
  /** Arrival in its current send-count array: larger is newer. */
  order: number;
  live: boolean;
}

/** memberlist's retransmitLimit: retransmitMult × ceil(log10(n + 1)). */
export function retransmitLimit(retransmitMult: number, memberCount: number): number {
  return retransmitMult * Math.ceil(Math.log10(memberCount + 1));
}

function sendOrder(a: QueuedBroadcast, b: QueuedBroadcast): number {
  return a.transmits - b.transmits || b.order - a.order;
}

function isCurrent(entry: QueuedBroadcast | undefined, count: number): boolean {
  return entry !== undefined && entry.live && entry.transmits === count;
}

/** Entries that did not fit a packet examined before take() gives up on filling it further. */
const unfitScanMax = 64;

export class BroadcastQueue {
  /** byCount[t]: entries sent t times, oldest arrival first; may hold stale entries. */
  private readonly byCount: QueuedBroadcast[][] = [];
  private readonly liveByCount: number[] = [];
  /** byCount[t][i] is stale for every i < oldestByCount[t]: where dropMostSent resumes its search. */
  private readonly oldestByCount: number[] = [];
  private readonly byKey = new Map<string, QueuedBroadcast>();
  private liveCount = 0;
  private nextOrder = 1;

  constructor(private readonly maxEntries: number) {
    assert(maxEntries > 0, 'broadcast queue needs room');
  }

  get size(): number {
    return this.liveCount;
  }

  /** Queues encoded news; replaces any queued news with the same key. */
  queue(key: string | undefined, bytes: Uint8Array): void {
    if (key !== undefined) {
      const previous = this.byKey.get(key);
      if (previous !== undefined) this.remove(previous);
    }
    const entry: QueuedBroadcast = { key, bytes, transmits: 0, order: 0, live: true };
    this.place(entry);
    this.liveCount += 1;
    if (key !== undefined) this.byKey.set(key, entry);
    while (this.liveCount > this.maxEntries) this.dropMostSent();
  }

  /**
   * Takes broadcasts that fit in `budgetBytes` (counting frame headers), counting one transmission
   * for each and dropping those that reached `limit`. The returned bytes belong to the caller.
   */
  take(budgetBytes: number, limit: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const moved: QueuedBroadcast[] = [];
    let remaining = budgetBytes;
    let unfit = 0;
    for (let count = 0; count < this.byCount.length && unfit < unfitScanMax; count++) {
      const list = this.byCount[count] ?? [];
      for (let i = list.length - 1; i >= 0 && unfit < unfitScanMax; i--) {
        const entry = list[i];
        if (entry === undefined || !isCurrent(entry, count)) continue;
        const cost = framedBytes(entry.bytes);
        if (cost > remaining) {
          unfit += 1;
          continue;
        }
        remaining -= cost;
        out.push(entry.bytes);
        moved.push(entry);
      }
    }
    // Moves happen after the walk so that no entry is taken twice for one packet.
    for (const entry of moved) {
      this.unlist(entry);
      entry.transmits += 1;
      if (entry.transmits >= limit) this.forget(entry);
      else this.place(entry);
    }
    // take() consumes arrays from their newest end: pop what it left stale there, so the next
    // walk does not step over it again.
    this.byCount.forEach((list, count) => {
      while (list.length > 0 && !isCurrent(list[list.length - 1], count)) list.pop();
      this.oldestByCount[count] = Math.min(this.oldestByCount[count] ?? 0, list.length);
    });
    return out;
  }

  /** Snapshot for tests and metrics: live entries in send order. */
  pending(): readonly Readonly<QueuedBroadcast>[] {
    return this.byCount.flat().filter((e, i, all) => e.live && all.indexOf(e) === i).sort(sendOrder);
  }

  private place(entry: QueuedBroadcast): void {
    entry.order = this.nextOrder++;
    while (this.byCount.length <= entry.transmits) {
      this.byCount.push([]);
      this.liveByCount.push(0);
      this.oldestByCount.push(0);
    }
    (this.byCount[entry.transmits] as QueuedBroadcast[]).push(entry);
    this.liveByCount[entry.transmits] = (this.liveByCount[entry.transmits] ?? 0) + 1;
  }

  /** Leaves its current array (lazily: the array entry turns stale), and compacts a mostly-stale array. */
  private unlist(entry: QueuedBroadcast): void {
    const count = entry.transmits;
    const live = (this.liveByCount[count] ?? 1) - 1;
    this.liveByCount[count] = live;
    const list = this.byCount[count];
    if (list !== undefined && list.length > 2 * live + 16) {
      this.byCount[count] = list.filter((e) => e !== entry && e.live && e.transmits === count);
      this.oldestByCount[count] = 0;
    }
  }

  private forget(entry: QueuedBroadcast): void {
    entry.live = false;
    this.liveCount -= 1;
    if (entry.key !== undefined && this.byKey.get(entry.key) === entry) this.byKey.delete(entry.key);
  }

  private remove(entry: QueuedBroadcast): void {
    this.unlist(entry);
    this.forget(entry);
  }

  /** Over capacity: the most-sent, then oldest, entry goes. */
  private dropMostSent(): void {
    for (let count = this.byCount.length - 1; count >= 0; count--) {
      if ((this.liveByCount[count] ?? 0) === 0) continue;
      const list = this.byCount[count] ?? [];
      let i = this.oldestByCount[count] ?? 0;
      while (i < list.length && !isCurrent(list[i], count)) i++;
      this.oldestByCount[count] = i;
      const victim = list[i];
      if (victim !== undefined) {
        this.remove(victim);
        return;
      }
    }
  }
}
