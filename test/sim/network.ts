// A seeded, simulated network: every message gets a random delay (so messages reorder), may be
// lost or duplicated, and is dropped while sender and receiver are on different sides of a
// partition. Time is the simulator's millisecond counter; nothing here reads a real clock.

import type { Random } from '../../src/lib/random.js';
import type { Message, NodeId } from '../../src/raft/index.js';

export interface NetworkFaults {
  /** Probability in [0, 1) that a message is lost. */
  lossRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** Delays are uniform in [1, maxDelayMs]. */
  maxDelayMs: number;
}

interface InFlight {
  deliverAtMs: number;
  sequence: number;
  message: Message;
}

export class SimNetwork {
  private queue: InFlight[] = [];
  private sequence = 0;
  /** Partition groups: node → group number; nodes in different groups cannot talk. */
  private groups = new Map<NodeId, number>();
  sent = 0;
  delivered = 0;

  constructor(
    private readonly random: Random,
    public faults: NetworkFaults,
  ) {}

  send(message: Message, nowMs: number): void {
    this.sent++;
    if (this.random.float() < this.faults.lossRate) return;
    const copies = this.random.float() < this.faults.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const deliverAtMs = nowMs + 1 + this.random.int(this.faults.maxDelayMs);
      this.queue.push({ deliverAtMs, sequence: this.sequence++, message });
    }
  }

  /** Removes and returns the messages due at or before nowMs, in (time, send order). */
  due(nowMs: number): Message[] {
    const ready: InFlight[] = [];
    const later: InFlight[] = [];
    for (const item of this.queue) (item.deliverAtMs <= nowMs ? ready : later).push(item);
    this.queue = later;
    ready.sort((a, b) => a.deliverAtMs - b.deliverAtMs || a.sequence - b.sequence);
    const messages = ready.filter((item) => this.connected(item.message.from, item.message.to)).map((item) => item.message);
    this.delivered += messages.length;
    return messages;
  }

  connected(a: NodeId, b: NodeId): boolean {
    return (this.groups.get(a) ?? 0) === (this.groups.get(b) ?? 0);
  }

  /** Splits nodes into the given groups (nodes not listed stay in group 0). */
  partition(groups: NodeId[][]): void {
    this.groups.clear();
    groups.forEach((group, number) => group.forEach((id) => this.groups.set(id, number)));
  }

  heal(): void {
    this.groups.clear();
  }

  isPartitioned(): boolean {
    return this.groups.size > 0;
  }

  inFlight(): number {
    return this.queue.length;
  }
}
