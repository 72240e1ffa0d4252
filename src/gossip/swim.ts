// SwimCore: the pure SWIM + Lifeguard state machine of one member. The driver feeds it packets
// and clock readings and carries out the effects it returns (contract in effects.ts).

import { assert, unreachable } from '../lib/assert.js';
import { limits } from '../lib/limits.js';
import type { Random } from '../lib/random.js';
import { BroadcastQueue } from './broadcasts.js';
import { decodePacket, encodeMessage } from './codec.js';
import { SwimConfigError, validateSwimConfig, type SwimConfig } from './config.js';
import type { MemberView, SwimReady } from './effects.js';
import { aliveNode, deadNode, expireSuspicions, mergeRemoteMembers, suspectNode } from './membership.js';
import type { Address, GossipMessage, MemberMeta, MemberState, RemoteMember, RemoteState } from './messages.js';
import { Prober } from './probe.js';
import { reconnect } from './reconnect.js';
import { broadcast, emptyReady, randomMembers, sendBroadcastsOnly, viewOf, type Member, type SwimState } from './state.js';
import { UserEventLog } from './user-events.js';

export type UserEventResult = { type: 'ok'; lamportTime: number } | { type: 'rejected'; reason: string };

/** memberlist's pushPullScale: past 32 members the interval grows with log2(n) to bound TCP load. */
export function pushPullIntervalMs(intervalMs: number, memberCount: number): number {
  if (memberCount <= 32) return intervalMs;
  return intervalMs * (Math.ceil(Math.log2(memberCount) - Math.log2(32)) + 1);
}

/** Tags whose encoding exceeds limits.gossipMetaBytesMax could never be gossiped: refuse them. */
function checkMetaSize(meta: MemberMeta): void {
  const bytes = encodeMessage({ type: 'userEvent', lamportTime: 0, name: 'm', payload: new Uint8Array() }).length;
  const withMeta = encodeMessage({ type: 'alive', incarnation: 0, node: 'm', address: 'm', meta }).length;
  if (withMeta - bytes > limits.gossipMetaBytesMax) throw new SwimConfigError(`meta encodes to more than ${limits.gossipMetaBytesMax} bytes`);
}

export class SwimCore {
  private readonly state: SwimState;
  private readonly prober: Prober;
  private readonly userEvents = new UserEventLog();
  private nextGossipMs: number;
  private nextPushPullMs: number;
  private nextReconnectMs: number;

  /** Validates `config` (throws SwimConfigError) and starts as the only member, alive at incarnation 1. */
  constructor(config: SwimConfig, random: Random, nowMs: number) {
    validateSwimConfig(config);
    checkMetaSize(config.meta);
    const self: Member = { name: config.name, address: config.address, meta: config.meta, incarnation: 1, state: 'alive', stateChangeMs: nowMs };
    this.state = {
      config,
      random,
      nowMs,
      self,
      members: new Map([[self.name, self]]),
      suspicions: new Map(),
      suspicionsEarliestDeadlineMs: Number.POSITIVE_INFINITY,
      failed: new Map(),
      broadcasts: new BroadcastQueue(limits.gossipBroadcastQueueMax),
      awarenessScore: 0,
      leaving: false,
      nextSeq: 0,
      out: emptyReady(),
      counters: { badPackets: 0, refutations: 0, droppedRelays: 0 },
    };
    this.prober = new Prober(this.state);
    this.prober.addMember(self.name);
    this.nextGossipMs = nowMs + random.int(config.gossipIntervalMs);
    this.nextPushPullMs = nowMs + config.pushPullIntervalMs + random.int(Math.max(1, config.pushPullIntervalMs));
    this.nextReconnectMs = nowMs + config.reconnectIntervalMs;
    broadcast(this.state, self.name, this.aliveOfSelf());
  }

  /** Advances time to `nowMs` (never backwards) and runs every timer that is due. */
  tick(nowMs: number): void {
    this.advanceClock(nowMs);
    const state = this.state;
    expireSuspicions(state);
    this.prober.tick();
    if (state.nowMs >= this.nextGossipMs) {
      this.nextGossipMs = state.nowMs + state.config.gossipIntervalMs;
      this.gossip();
    }
    if (state.config.pushPullIntervalMs > 0 && state.nowMs >= this.nextPushPullMs && !state.leaving) {
      this.nextPushPullMs = state.nowMs + pushPullIntervalMs(state.config.pushPullIntervalMs, state.members.size);
      const [peer] = randomMembers(state, this.prober.order, 1, (m) => m.state === 'alive');
      if (peer !== undefined) state.out.pushPulls.push({ address: peer.address, join: false });
    }
    if (state.config.reconnectIntervalMs > 0 && state.nowMs >= this.nextReconnectMs && !state.leaving) {
      this.nextReconnectMs = state.nowMs + state.config.reconnectIntervalMs;
      reconnect(state);
    }
  }

  /** The earliest time tick() has something to do; the driver may sleep until then. */
  nextDeadlineMs(): number {
    let next = Math.min(this.prober.nextDeadlineMs(), this.nextGossipMs);
    if (this.state.config.pushPullIntervalMs > 0) next = Math.min(next, this.nextPushPullMs);
    if (this.state.config.reconnectIntervalMs > 0) next = Math.min(next, this.nextReconnectMs);
    next = Math.min(next, this.state.suspicionsEarliestDeadlineMs);
    return next;
  }

  /** One UDP packet from `from`. Malformed packets are counted and dropped, never thrown. */
  step(from: Address, bytes: Uint8Array, nowMs: number): void {
    this.advanceClock(nowMs);
    const decoded = decodePacket(bytes);
    if (decoded.type === 'bad') {
      this.state.counters.badPackets += 1;
      return;
    }
    for (const message of decoded.value) this.handle(from, message);
  }

  private handle(from: Address, message: GossipMessage): void {
    const state = this.state;
    const onNew = (name: string): void => this.prober.addMember(name);
    switch (message.type) {
      case 'ping':
        return this.prober.onPing(from, message);
      case 'indirectPing':
        return this.prober.onIndirectPing(message);
      case 'ack':
        return this.prober.onAck(message.seq);
      case 'nack':
        return this.prober.onNack(message.seq);
      case 'suspect':
        return suspectNode(state, message);
      case 'alive':
        return aliveNode(state, message, onNew);
      case 'dead':
        return deadNode(state, message);
      case 'userEvent':
        return this.receiveUserEvent(message);
      default:
        return unreachable(message);
    }
  }

  /** Join through a seed: asks the driver for a push-pull with it (merge the answer with {join: true}). */
  join(address: Address): void {
    this.state.out.pushPulls.push({ address, join: true });
  }

  /**
   * Graceful leave: broadcasts our own death as "left" at a new incarnation and stops probing. The
   * driver keeps ticking until broadcastsPending() is 0 (or a timeout), then stops.
   */
  leave(): void {
    const state = this.state;
    if (state.leaving) return;
    state.leaving = true;
    deadNode(state, { type: 'dead', incarnation: state.self.incarnation + 1, node: state.self.name, from: state.self.name });
  }

  /** New tags for this member: a new incarnation carries them (Serf's SetTags). */
  setMeta(meta: MemberMeta): void {
    checkMetaSize(meta);
    const self = this.state.self;
    self.meta = meta;
    self.incarnation += 1;
    broadcast(this.state, self.name, this.aliveOfSelf());
  }

  tcpProbeResult(seq: number, ok: boolean): void {
    this.prober.onTcpProbeResult(seq, ok);
  }

  /** Our side of a push-pull (memberlist's pushNodeState list). */
  localState(): RemoteState {
    const members: RemoteMember[] = [];
    for (const m of this.state.members.values()) members.push({ name: m.name, address: m.address, meta: m.meta, incarnation: m.incarnation, state: m.state });
    return { members, userEventLamportTime: this.userEvents.clock };
  }

  /** The peer's side of a push-pull (memberlist's mergeState rules, membership.ts). */
  mergeRemoteState(remote: RemoteState, options: { join: boolean }): void {
    this.userEvents.witness(remote.userEventLamportTime);
    if (options.join) this.userEvents.minLamportTime = Math.max(this.userEvents.minLamportTime, remote.userEventLamportTime);
    mergeRemoteMembers(this.state, remote, (name) => this.prober.addMember(name));
  }

  /**
   * Adds members known from a snapshot (or a simulation's setup) as alive without broadcasting
   * them: everybody restoring the same snapshot already knows. Known members are left as they are.
   */
  seed(members: readonly RemoteMember[]): void {
    const added: string[] = [];
    for (const m of members) {
      if (this.state.members.has(m.name)) continue;
      this.state.members.set(m.name, { name: m.name, address: m.address, meta: m.meta, incarnation: m.incarnation, state: 'alive', stateChangeMs: this.state.nowMs });
      added.push(m.name);
    }
    this.prober.addMembers(added);
  }

  fireUserEvent(name: string, payload: Uint8Array): UserEventResult {
    if (name.length === 0 || name.length + payload.length > limits.userEventBytesMax) return { type: 'rejected', reason: `name + payload over ${limits.userEventBytesMax} bytes` };
    const lamportTime = this.userEvents.stamp();
    this.userEvents.record(lamportTime, name);
    broadcast(this.state, undefined, { type: 'userEvent', lamportTime, name, payload });
    this.state.out.userEvents.push({ lamportTime, name, payload });
    return { type: 'ok', lamportTime };
  }

  private receiveUserEvent(message: GossipMessage & { type: 'userEvent' }): void {
    if (this.userEvents.record(message.lamportTime, message.name) !== 'new') return;
    broadcast(this.state, undefined, message);
    this.state.out.userEvents.push({ lamportTime: message.lamportTime, name: message.name, payload: message.payload });
  }

  hasReady(): boolean {
    const out = this.state.out;
    return out.packets.length + out.tcpProbes.length + out.pushPulls.length + out.memberEvents.length + out.userEvents.length > 0;
  }

  /** Takes the pending effects; the arrays now belong to the driver. */
  ready(): SwimReady {
    const out = this.state.out;
    const taken: SwimReady = { ...out };
    out.packets = [];
    out.tcpProbes = [];
    out.pushPulls = [];
    out.memberEvents = [];
    out.userEvents = [];
    return taken;
  }

  member(name: string): MemberView | undefined {
    const m = this.state.members.get(name);
    return m === undefined ? undefined : viewOf(m);
  }

  /** Just the state of one member (cheap: no copy), for health checks and convergence checks. */
  memberState(name: string): MemberState | undefined {
    return this.state.members.get(name)?.state;
  }

  members(): MemberView[] {
    return [...this.state.members.values()].map(viewOf);
  }

  /** Queued broadcasts; a leaving member waits for 0 so its departure is heard. */
  broadcastsPending(): number {
    return this.state.broadcasts.size;
  }

  stats(): { awarenessScore: number; incarnation: number; badPackets: number; refutations: number; droppedRelays: number; memberCount: number } {
    const s = this.state;
    return { awarenessScore: s.awarenessScore, incarnation: s.self.incarnation, memberCount: s.members.size, ...s.counters };
  }

  private aliveOfSelf(): GossipMessage {
    const self = this.state.self;
    return { type: 'alive', incarnation: self.incarnation, node: self.name, address: self.address, meta: self.meta };
  }

  private advanceClock(nowMs: number): void {
    assert(Number.isFinite(nowMs), 'clock reading must be finite');
    if (nowMs > this.state.nowMs) this.state.nowMs = nowMs;
  }

  /** A gossip round: queued broadcasts to a few random members, the recently dead included. */
  private gossip(): void {
    const state = this.state;
    if (state.broadcasts.size === 0) return;
    const recentlyGone = (m: Member): boolean => state.nowMs - m.stateChangeMs < state.config.gossipToTheDeadMs;
    const targets = randomMembers(state, this.prober.order, state.config.gossipNodes, (m) => m.state === 'alive' || m.state === 'suspect' || recentlyGone(m));
    for (const target of targets) sendBroadcastsOnly(state, target.address);
  }
}
