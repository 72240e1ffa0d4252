// Prober: SWIM's failure detector for one member (memberlist's probe / probeNode in state.go).
//
// Each protocol period (probeIntervalMs, stretched by local health) one member is probed, in a
// round-robin over a list shuffled at every wrap, so every member is probed by everyone within one
// pass of the list — a bounded first-detection time that pure random choice would not give.
//
//   t0                       t0 + probeTimeout (scaled)          t0 + probeInterval (scaled)
//   ping ──► ack? success     no ack: indirectPing × k (nack       no ack from anyone: suspect
//                             wanted) + TCP ping via the driver     the target; awareness += missed nacks
//
// Relays: a member asked to probe for someone pings the target with its own seq and forwards the
// ack, or sends a nack after one probe timeout (Lifeguard), so the asker learns the relay is healthy.

import { limits } from '../lib/limits.js';
import { applyAwarenessDelta } from './awareness.js';
import type { Address, IndirectPingMessage, PingMessage } from './messages.js';
import { reapGone } from './reaper.js';
import { suspectNode } from './membership.js';
import { nextSeq, randomMembers, scaled, send, type Member, type SwimState } from './state.js';

interface Probe {
  seq: number;
  target: string;
  phase: 'direct' | 'indirect';
  directDeadlineMs: number;
  endMs: number;
  expectedNacks: number;
  nacks: number;
}

interface Relay {
  originSeq: number;
  origin: Address;
  wantNack: boolean;
  deadlineMs: number;
}

const probeable = (m: Member): boolean => m.state === 'alive' || m.state === 'suspect';

export class Prober {
  /** Round-robin order; names of removed members are skipped lazily and dropped at the next shuffle. */
  readonly order: string[] = [];
  private index = 0;
  private probe: Probe | undefined;
  private readonly relays = new Map<number, Relay>();
  nextProbeMs: number;

  constructor(private readonly state: SwimState) {
    // A random first probe spreads members that started together over the period.
    this.nextProbeMs = state.nowMs + state.random.int(state.config.probeIntervalMs);
  }

  /** Inserts a new member at a random position (memberlist does the same, so joins are probed soon). */
  addMember(name: string): void {
    const at = this.state.random.int(this.order.length + 1);
    this.order.splice(at, 0, name);
    if (at < this.index) this.index += 1;
  }

  /** Many members at once (a snapshot): append and reshuffle, instead of n random inserts. */
  addMembers(names: readonly string[]): void {
    this.order.push(...names);
    this.shuffle();
  }

  nextDeadlineMs(): number {
    let next = this.nextProbeMs;
    if (this.probe !== undefined) next = Math.min(next, this.probe.phase === 'direct' ? this.probe.directDeadlineMs : this.probe.endMs);
    for (const relay of this.relays.values()) next = Math.min(next, relay.deadlineMs);
    return next;
  }

  tick(): void {
    const now = this.state.nowMs;
    this.expireRelays();
    const probe = this.probe;
    if (probe !== undefined && probe.phase === 'direct' && now >= probe.directDeadlineMs) this.goIndirect(probe);
    if (probe !== undefined && now >= probe.endMs) this.fail(probe);
    if (this.probe === undefined && now >= this.nextProbeMs && !this.state.leaving) this.start();
  }

  /** An ack for `seq`: our probe succeeded, or a relayed probe's ack goes back to its origin. */
  onAck(seq: number): void {
    const probe = this.probe;
    if (probe !== undefined && probe.seq === seq) {
      // Lifeguard: only a timely direct ack proves our own health.
      const delta = probe.phase === 'direct' ? -1 : 0;
      this.state.awarenessScore = applyAwarenessDelta(this.state.awarenessScore, delta, this.state.config.awarenessMaxMultiplier);
      this.probe = undefined;
      return;
    }
    const relay = this.relays.get(seq);
    if (relay === undefined) return;
    this.relays.delete(seq);
    send(this.state, relay.origin, [{ type: 'ack', seq: relay.originSeq }]);
  }

  onNack(seq: number): void {
    if (this.probe !== undefined && this.probe.seq === seq) this.probe.nacks += 1;
  }

  /** The driver's TCP ping finished: success counts as an (indirect) ack. */
  onTcpProbeResult(seq: number, ok: boolean): void {
    if (ok && this.probe !== undefined && this.probe.seq === seq) this.onAck(seq);
  }

  onPing(from: Address, message: PingMessage): void {
    // A ping for a previous owner of our address must not vouch for us.
    if (message.target !== this.state.self.name) return;
    send(this.state, from, [{ type: 'ack', seq: message.seq }]);
  }

  onIndirectPing(message: IndirectPingMessage): void {
    if (this.relays.size >= limits.gossipRelaysMax) {
      this.state.counters.droppedRelays += 1;
      return;
    }
    const seq = nextSeq(this.state);
    const deadlineMs = this.state.nowMs + scaled(this.state, this.state.config.probeTimeoutMs);
    this.relays.set(seq, { originSeq: message.seq, origin: message.sourceAddress, wantNack: message.wantNack, deadlineMs });
    const self = this.state.self;
    send(this.state, message.targetAddress, [{ type: 'ping', seq, target: message.target, source: self.name, sourceAddress: self.address }]);
  }

  private start(): void {
    const target = this.pickTarget();
    const config = this.state.config;
    const now = this.state.nowMs;
    this.nextProbeMs = now + config.probeIntervalMs;
    if (target === undefined) return;
    const seq = nextSeq(this.state);
    this.probe = {
      seq,
      target: target.name,
      phase: 'direct',
      directDeadlineMs: now + scaled(this.state, config.probeTimeoutMs),
      endMs: now + scaled(this.state, config.probeIntervalMs),
      expectedNacks: 0,
      nacks: 0,
    };
    const self = this.state.self;
    const ping: PingMessage = { type: 'ping', seq, target: target.name, source: self.name, sourceAddress: self.address };
    // A suspect hears the accusation with the probe, so it can refute in time (memberlist does this).
    if (target.state === 'suspect') send(this.state, target.address, [ping, { type: 'suspect', incarnation: target.incarnation, node: target.name, from: self.name }]);
    else send(this.state, target.address, [ping]);
  }

  private pickTarget(): Member | undefined {
    for (let checked = 0; checked <= this.order.length; checked++) {
      if (this.index >= this.order.length) this.resetOrder();
      const name = this.order[this.index];
      this.index += 1;
      if (name === undefined || name === this.state.self.name) continue;
      const member = this.state.members.get(name);
      if (member !== undefined && probeable(member)) return member;
    }
    return undefined;
  }

  /** At each wrap: forget reaped members, then shuffle (Fisher–Yates with the injected Random). */
  private resetOrder(): void {
    reapGone(this.state);
    const live = this.order.filter((name) => this.state.members.has(name));
    this.order.splice(0, this.order.length, ...live);
    this.shuffle();
  }

  private shuffle(): void {
    const order = this.order;
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.state.random.int(i + 1);
      const swap = order[i] as string;
      order[i] = order[j] as string;
      order[j] = swap;
    }
    this.index = 0;
  }

  private goIndirect(probe: Probe): void {
    probe.phase = 'indirect';
    const target = this.state.members.get(probe.target);
    if (target === undefined) return;
    const self = this.state.self;
    const relays = randomMembers(this.state, this.order, this.state.config.indirectChecks, (m) => m.state === 'alive' && m.name !== target.name);
    probe.expectedNacks = relays.length;
    for (const relay of relays) {
      send(this.state, relay.address, [{ type: 'indirectPing', seq: probe.seq, target: target.name, targetAddress: target.address, source: self.name, sourceAddress: self.address, wantNack: true }]);
    }
    if (this.state.config.tcpFallbackProbe) this.state.out.tcpProbes.push({ seq: probe.seq, target: target.name, address: target.address });
  }

  private fail(probe: Probe): void {
    this.probe = undefined;
    this.nextProbeMs = Math.max(this.nextProbeMs, this.state.nowMs);
    // Lifeguard: missing nacks mean our own messages are not getting through.
    const delta = probe.expectedNacks > 0 ? probe.expectedNacks - probe.nacks : 1;
    this.state.awarenessScore = applyAwarenessDelta(this.state.awarenessScore, delta, this.state.config.awarenessMaxMultiplier);
    const target = this.state.members.get(probe.target);
    if (target === undefined || !probeable(target)) return;
    suspectNode(this.state, { type: 'suspect', incarnation: target.incarnation, node: target.name, from: this.state.self.name });
  }

  private expireRelays(): void {
    for (const [seq, relay] of this.relays) {
      if (relay.deadlineMs > this.state.nowMs) continue;
      this.relays.delete(seq);
      if (relay.wantNack) send(this.state, relay.origin, [{ type: 'nack', seq: relay.originSeq }]);
    }
  }
}
