// UserEvents: Serf's user events over gossip — a Lamport clock orders them across members and a
// bounded window deduplicates the epidemic's many copies by (lamportTime, name).
//
// Window: the last `bufferSize` Lamport times, one slot each (slot = time mod size). An event older
// than the window is dropped: it was either delivered already or is too stale to matter (Serf's
// eventBuffer does the same). After a join, events older than the seed's clock are ignored so a new
// member does not replay history (Serf's eventMinTime).

import { limits } from '../lib/limits.js';

interface Slot {
  lamportTime: number;
  names: string[];
}

export type UserEventVerdict = 'new' | 'duplicate' | 'too-old' | 'slot-full';

export class UserEventLog {
  /** The next Lamport time we would stamp an event with (always above every time seen). */
  clock = 0;
  /** Events stamped before this are ignored (set at join). */
  minLamportTime = 0;
  private readonly slots: (Slot | undefined)[];

  constructor(private readonly bufferSize: number = limits.gossipUserEventBufferSize) {
    this.slots = new Array<Slot | undefined>(bufferSize);
  }

  /** Lamport witness: our clock moves past any time we hear of. */
  witness(lamportTime: number): void {
    if (lamportTime >= this.clock) this.clock = lamportTime + 1;
  }

  /** Stamps a local event; record() it before broadcasting. */
  stamp(): number {
    const time = this.clock;
    this.clock += 1;
    return time;
  }

  /** Remembers (lamportTime, name); says whether it is new and should be delivered and re-gossiped. */
  record(lamportTime: number, name: string): UserEventVerdict {
    this.witness(lamportTime);
    if (lamportTime < this.minLamportTime) return 'too-old';
    if (this.clock > this.bufferSize && lamportTime < this.clock - this.bufferSize) return 'too-old';
    const index = lamportTime % this.bufferSize;
    let slot = this.slots[index];
    if (slot === undefined || slot.lamportTime !== lamportTime) {
      slot = { lamportTime, names: [] };
      this.slots[index] = slot;
    }
    if (slot.names.includes(name)) return 'duplicate';
    if (slot.names.length >= limits.gossipUserEventsPerLamportTimeMax) return 'slot-full';
    slot.names.push(name);
    return 'new';
  }
}
