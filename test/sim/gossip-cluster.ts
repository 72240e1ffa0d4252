// A deterministic simulated network of SwimCore members: virtual time in 1 ms steps, seeded
// delay, loss, partitions and slow members. The simulator is the driver (effects.ts contract):
// it carries packets (subject to loss and partitions), TCP probes and push-pulls (reliable but
// cut by partitions), and records every member event for the checkers (gossip-checkers.ts).

import { SeededRandom } from '../../src/lib/random.js';
import { SwimCore, type MemberEvent, type SwimConfig } from '../../src/gossip/index.js';

export interface NetworkFaults {
  /** Probability that one UDP packet is lost. */
  lossRate: number;
  delayMsMin: number;
  delayMsMax: number;
}

export interface SimMember {
  name: string;
  core: SwimCore;
  /** False once killed: it neither sends nor receives nor ticks. */
  up: boolean;
  /** Extra delay on everything this member receives and sends (a GC pause or a busy CPU). */
  slowMs: number;
  nextWakeMs: number;
  bytesSent: number;
  packetsSent: number;
}

export interface RecordedEvent extends MemberEvent {
  observer: string;
}

type Delivery =
  | { kind: 'packet'; from: string; to: string; bytes: Uint8Array }
  | { kind: 'tcpProbe'; to: string; seq: number; ok: boolean }
  | { kind: 'pushPull'; a: string; b: string; join: boolean };

/** Upper bound on simulated steps per run() call, so a bad caller cannot spin forever. */
const stepsPerRunMax = 10 * 60 * 1000;

export class GossipCluster {
  nowMs = 0;
  readonly members = new Map<string, SimMember>();
  readonly events: RecordedEvent[] = [];
  faults: NetworkFaults = { lossRate: 0, delayMsMin: 1, delayMsMax: 5 };
  /** Member → partition group; members in different groups cannot talk. Empty = no partition. */
  partition = new Map<string, number>();
  private readonly random: SeededRandom;
  private readonly queue = new Map<number, Delivery[]>();
  userEventsDelivered = 0;

  constructor(readonly seed: number, private readonly configFor: (name: string) => SwimConfig) {
    this.random = new SeededRandom(seed);
  }

  /** n members named m0..m(n-1); `seeded` members know each other already (a restored snapshot). */
  addMembers(count: number, seeded: boolean): void {
    const added: SimMember[] = [];
    for (let i = 0; i < count; i++) {
      const name = `m${this.members.size}`;
      const core = new SwimCore(this.configFor(name), new SeededRandom(this.seed * 7919 + this.members.size), this.nowMs);
      const member: SimMember = { name, core, up: true, slowMs: 0, nextWakeMs: this.nowMs, bytesSent: 0, packetsSent: 0 };
      this.members.set(name, member);
      added.push(member);
    }
    if (!seeded) return;
    const roster = [...this.members.values()].map((m) => ({ name: m.name, address: m.name, meta: {}, incarnation: 1, state: 'alive' as const }));
    for (const m of this.members.values()) m.core.seed(roster);
  }

  kill(name: string): void {
    const member = this.get(name);
    member.up = false;
  }

  /** Restarts a killed member as a fresh process (incarnation 1, knowing nobody) that joins through `seedName`. */
  restart(name: string, seedName: string): void {
    const member = this.get(name);
    member.core = new SwimCore(this.configFor(name), new SeededRandom(this.seed * 104729 + this.nowMs), this.nowMs);
    member.up = true;
    member.slowMs = 0;
    member.core.join(seedName);
    this.drain(member);
  }

  reachable(a: string, b: string): boolean {
    const ma = this.members.get(a);
    const mb = this.members.get(b);
    if (ma === undefined || mb === undefined || !ma.up || !mb.up) return false;
    return (this.partition.get(a) ?? 0) === (this.partition.get(b) ?? 0);
  }

  /** Runs the simulation until `untilMs` (virtual). */
  run(untilMs: number): void {
    let steps = 0;
    while (this.nowMs < untilMs && steps++ < stepsPerRunMax) {
      this.nowMs += 1;
      const due = this.queue.get(this.nowMs);
      if (due !== undefined) {
        this.queue.delete(this.nowMs);
        for (const delivery of due) this.deliver(delivery);
      }
      for (const member of this.members.values()) {
        if (!member.up || this.nowMs < member.nextWakeMs) continue;
        member.core.tick(this.nowMs);
        this.drain(member);
      }
    }
  }

  get(name: string): SimMember {
    const member = this.members.get(name);
    if (member === undefined) throw new Error(`no member ${name}`);
    return member;
  }

  upMembers(): SimMember[] {
    return [...this.members.values()].filter((m) => m.up);
  }

  /** Carries out one member's effects (the driver's loop). */
  drain(member: SimMember): void {
    const ready = member.core.ready();
    for (const packet of ready.packets) {
      member.bytesSent += packet.bytes.length;
      member.packetsSent += 1;
      if (this.random.float() < this.faults.lossRate) continue;
      this.schedule(this.linkDelayMs(member.name, packet.to), { kind: 'packet', from: member.name, to: packet.to, bytes: packet.bytes });
    }
    for (const probe of ready.tcpProbes) {
      // TCP retransmits: no loss, but a round trip, and nothing crosses a partition.
      const ok = this.reachable(member.name, probe.address);
      this.schedule(2 * this.linkDelayMs(member.name, probe.address), { kind: 'tcpProbe', to: member.name, seq: probe.seq, ok });
    }
    for (const pushPull of ready.pushPulls) {
      this.schedule(2 * this.linkDelayMs(member.name, pushPull.address), { kind: 'pushPull', a: member.name, b: pushPull.address, join: pushPull.join });
    }
    for (const event of ready.memberEvents) this.events.push({ ...event, observer: member.name });
    this.userEventsDelivered += ready.userEvents.length;
    member.nextWakeMs = member.core.nextDeadlineMs();
  }

  private linkDelayMs(from: string, to: string): number {
    const { delayMsMin, delayMsMax } = this.faults;
    const slow = (this.members.get(from)?.slowMs ?? 0) + (this.members.get(to)?.slowMs ?? 0);
    return delayMsMin + this.random.int(delayMsMax - delayMsMin + 1) + slow;
  }

  private schedule(delayMs: number, delivery: Delivery): void {
    const at = this.nowMs + Math.max(1, Math.round(delayMs));
    const list = this.queue.get(at);
    if (list === undefined) this.queue.set(at, [delivery]);
    else list.push(delivery);
  }

  private deliver(delivery: Delivery): void {
    switch (delivery.kind) {
      case 'packet': {
        if (!this.reachable(delivery.from, delivery.to)) return;
        const to = this.get(delivery.to);
        to.core.step(delivery.from, delivery.bytes, this.nowMs);
        this.drain(to);
        return;
      }
      case 'tcpProbe': {
        const member = this.get(delivery.to);
        if (!member.up) return;
        member.core.tcpProbeResult(delivery.seq, delivery.ok);
        this.drain(member);
        return;
      }
      case 'pushPull': {
        // A TCP exchange: both sides' states are read before either merges, as over the wire.
        if (!this.reachable(delivery.a, delivery.b)) return;
        const a = this.get(delivery.a);
        const b = this.get(delivery.b);
        const stateA = a.core.localState();
        const stateB = b.core.localState();
        b.core.mergeRemoteState(stateA, { join: false });
        a.core.mergeRemoteState(stateB, { join: delivery.join });
        this.drain(a);
        this.drain(b);
        return;
      }
    }
  }
}
