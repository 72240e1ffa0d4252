// GossipPool: one member of a gossip pool (Consul's LAN or WAN Serf) on real sockets. It drives a
// SwimCore (src/gossip/swim.ts) by the contract in effects.ts:
//
//   UDP packet in ──unseal──▶ core.step ─┐        clock timer at core.nextDeadlineMs() ─▶ core.tick
//   TCP request in (exchange.ts) ────────┤                                                   │
//                                        ▼                                                   ▼
//                                   flush(): core.ready() → 1. packets: seal, send over UDP
//                                                           2. tcpProbes: TCP ping → tcpProbeResult
//                                                           3. pushPulls: TCP state exchange → merge
//                                                           4. member events → Roster → onEvent
//                                                              user events → recent ring → onUserEvent
//
// UDP and TCP share one port (src/lib/udp-tcp-pair.ts). Push-pull also carries the most recent
// user events so a member that missed a broadcast still gets them (the core deduplicates). Every
// buffer, connection count and exchange is bounded by the "Gossip driver" limits.

import type { Socket } from 'node:net';
import type { Clock, Timer } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { bindUdpTcpPair, type UdpTcpPair } from '../../lib/udp-tcp-pair.js';
import { decodeRemoteState, encodeMessage, encodePacket, encodeRemoteState, lanDefaults, SwimCore, type SwimConfig, type UserEventResult } from '../index.js';
import type { SwimReady, UserEventDelivery } from '../effects.js';
import type { MemberMeta } from '../messages.js';
import { exchange, fanOut, serveConnection, splitAddress, type ExchangeContext } from './exchange.js';
import { sealOutgoing, sealOverheadBytes, unsealIncoming, type Encryption } from './keyring.js';
import { answerKeyring, fanOutKeyring, type KeyringResult } from './keyring-ops.js';
import { Roster, type PoolMember, type RosterEvent } from './roster.js';
import type { KeyringOp, StreamMessage } from './stream.js';

export type SwimTiming = Partial<Omit<SwimConfig, 'name' | 'address' | 'meta'>>;

export interface GossipPoolOptions {
  readonly name: string;
  /** Where the UDP socket and TCP listener bind; port 0 picks a free one. */
  readonly bindHost: string;
  readonly port: number;
  /** The host others reach us at; the advertised port is the bound one. */
  readonly advertiseHost: string;
  readonly meta: MemberMeta;
  /** Overrides of memberlist's LAN timings (tests and benches probe faster). */
  readonly timing?: SwimTiming;
  readonly encryption: Encryption;
  readonly clock: Clock;
  readonly random: Random;
  /** A member's status changed or it was reaped (Serf's member events). */
  readonly onEvent?: (event: RosterEvent) => void;
  /** A user event reached this member (once, whoever fired it, this member included). */
  readonly onUserEvent?: (event: UserEventDelivery) => void;
  /** The keyring changed (a keyring operation from any member): persist it. */
  readonly onKeyringChange?: () => void;
}

export interface PoolStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Packets and streams no key opened (or plaintext under verify_incoming): dropped. */
  packetsRefused: number;
  streamsRefused: number;
  packetsOversized: number;
  /** Outbound exchanges skipped because gossipStreamsOutboundMax were in flight. */
  streamsSkipped: number;
}

export class GossipPool {
  readonly address: string;
  private readonly core: SwimCore;
  private readonly roster: Roster;
  private readonly recentEvents: UserEventDelivery[] = [];
  private readonly connections = new Set<Socket>();
  private readonly exchangeContext: ExchangeContext;
  private timer: Timer | undefined;
  private timerDueMs = Number.POSITIVE_INFINITY;
  private outboundInFlight = 0;
  private closed = false;
  private readonly counters: PoolStats = { packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0, packetsRefused: 0, streamsRefused: 0, packetsOversized: 0, streamsSkipped: 0 };

  static async start(options: GossipPoolOptions): Promise<GossipPool> {
    // Connections that arrive before the constructor ran are refused (nobody knows our port yet).
    const holder: { pool?: GossipPool } = {};
    const pair = await bindUdpTcpPair(options.bindHost, options.port, (socket) => {
      if (holder.pool === undefined) socket.destroy();
      else holder.pool.accept(socket);
    });
    holder.pool = new GossipPool(options, pair);
    return holder.pool;
  }

  private constructor(
    private readonly options: GossipPoolOptions,
    private readonly pair: UdpTcpPair,
  ) {
    const host = options.advertiseHost.includes(':') ? `[${options.advertiseHost}]` : options.advertiseHost;
    this.address = `${host}:${pair.port}`;
    const config: SwimConfig = { ...lanDefaults, ...options.timing, name: options.name, address: this.address, meta: options.meta };
    this.core = new SwimCore(config, options.random, this.nowMs());
    const self: PoolMember = { name: options.name, address: this.address, meta: options.meta, incarnation: 1, status: 'alive' };
    this.roster = new Roster(self, config.reconnectTimeoutMs, (event) => options.onEvent?.(event));
    this.exchangeContext = { encryption: () => options.encryption, clock: options.clock, onRefused: () => (this.counters.streamsRefused += 1) };
    pair.udp.on('message', (bytes, from) => this.receive(bytes, `${from.family === 'IPv6' ? `[${from.address}]` : from.address}:${from.port}`));
    pair.udp.on('error', () => {});
    this.flush();
  }

  get name(): string {
    return this.options.name;
  }

  get port(): number {
    return this.pair.port;
  }

  get encryption(): Encryption {
    return this.options.encryption;
  }

  /** Joins through each address (a push-pull with it); resolves with how many answered. */
  async join(addresses: readonly string[]): Promise<{ joined: number; errors: string[] }> {
    const errors: string[] = [];
    let joined = 0;
    for (const address of addresses) {
      try {
        await this.pushPull(address, true);
        joined += 1;
      } catch (error) {
        errors.push(`${address}: ${(error as Error).message}`);
      }
    }
    return { joined, errors };
  }

  /** Graceful leave: broadcasts it, waits (bounded) for the broadcast to drain. Call close() after. */
  async leave(): Promise<void> {
    if (this.closed) return;
    this.roster.setStatus(this.name, 'leaving', this.nowMs());
    this.core.leave();
    this.flush();
    const deadlineMs = this.nowMs() + limits.gossipLeaveDrainMsMax;
    // Alone, nobody is there to hear it; otherwise poll until the leave has been sent enough times.
    while (this.core.broadcastsPending() > 0 && this.core.stats().memberCount > 1 && this.nowMs() < deadlineMs && !this.closed) {
      await new Promise<void>((resolve) => this.options.clock.setTimer(50, resolve));
    }
    this.roster.setStatus(this.name, 'left', this.nowMs());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => this.pair.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.pair.tcp.close(() => resolve()));
  }

  members(): PoolMember[] {
    return this.roster.list();
  }

  member(name: string): PoolMember | undefined {
    return this.roster.get(name);
  }

  /**
   * Serf's force-leave: a failed member is marked left (pruned: forgotten) here and, over TCP, on
   * every alive member. False when this member does not know `node`.
   */
  async forceLeave(node: string, prune: boolean): Promise<boolean> {
    if (!this.forceLeaveLocally(node, prune)) return false;
    const peers = this.roster.list().filter((m) => m.status === 'alive' && m.name !== this.name);
    await fanOut(peers, (peer) => exchange(this.exchangeContext, peer.address, { type: 'forceLeave', node, prune }).then(() => undefined, () => undefined));
    return true;
  }

  private forceLeaveLocally(node: string, prune: boolean): boolean {
    const member = this.roster.get(node);
    if (member === undefined || node === this.name) return false;
    if (prune) return this.roster.reap(node);
    if (member.status === 'failed') this.roster.setStatus(node, 'left', this.nowMs());
    return true;
  }

  fireUserEvent(name: string, payload: Uint8Array): UserEventResult {
    const result = this.core.fireUserEvent(name, payload);
    this.flush();
    return result;
  }

  /** New tags for this member, gossiped at a new incarnation. */
  setMeta(meta: MemberMeta): void {
    this.core.setMeta(meta);
    const self = this.core.member(this.name);
    if (self !== undefined) this.roster.apply({ type: 'update', member: self, atMs: this.nowMs() });
    this.flush();
  }

  /** Runs a keyring operation on every alive member (this one included) and tallies the answers. */
  async keyring(op: KeyringOp, key: string): Promise<KeyringResult> {
    const peers = this.roster.list().filter((m) => m.status === 'alive' && m.name !== this.name);
    if (op !== 'list') this.keyringChanged();
    return fanOutKeyring(this.options.encryption, this.name, op, key, peers, (address, request) => exchange(this.exchangeContext, address, request));
  }

  stats(): PoolStats & ReturnType<SwimCore['stats']> {
    return { ...this.counters, ...this.core.stats() };
  }

  /** Tells the owner after the operation ran (the callback reads the keyring then). */
  private keyringChanged(): void {
    queueMicrotask(() => this.options.onKeyringChange?.());
  }

  private nowMs(): number {
    return this.options.clock.monotonicMs();
  }

  private receive(bytes: Buffer, from: string): void {
    if (this.closed) return;
    this.counters.packetsReceived += 1;
    this.counters.bytesReceived += bytes.length;
    if (bytes.length > limits.gossipPacketBytesMax + sealOverheadBytes) {
      this.counters.packetsOversized += 1;
      return;
    }
    const unsealed = unsealIncoming(this.options.encryption, bytes);
    if (unsealed.type === 'refused') {
      this.counters.packetsRefused += 1;
      return;
    }
    this.core.step(from, unsealed.plain, this.nowMs());
    this.flush();
  }

  private accept(socket: Socket): void {
    if (this.closed || this.connections.size >= limits.gossipStreamConnectionsMax) {
      socket.destroy();
      return;
    }
    this.connections.add(socket);
    void serveConnection(this.exchangeContext, socket, (request) => this.answer(request)).finally(() => this.connections.delete(socket));
  }

  private answer(request: StreamMessage): StreamMessage | undefined {
    switch (request.type) {
      case 'ping':
        return { type: 'ack', isTarget: request.target === this.name };
      case 'pushPull': {
        const state = decodeRemoteState(request.state);
        if (state.type === 'bad' || this.closed) return undefined;
        const reply: StreamMessage = { type: 'pushPullReply', state: encodeRemoteState(this.core.localState()), events: [...this.recentEvents] };
        if (!request.join) this.injectEvents(request.events);
        this.core.mergeRemoteState(state.value, { join: false });
        this.flush();
        return reply;
      }
      case 'keyring':
        if (request.op !== 'list') this.keyringChanged();
        return answerKeyring(this.options.encryption, request);
      case 'forceLeave':
        return { type: 'forceLeaveReply', known: this.forceLeaveLocally(request.node, request.prune) };
      case 'ack':
      case 'pushPullReply':
      case 'keyringReply':
      case 'forceLeaveReply':
        return undefined;
    }
  }

  /** Events carried by a push-pull go through the core as if gossiped: it drops the ones it has seen. */
  private injectEvents(events: readonly UserEventDelivery[]): void {
    for (const event of events) {
      const packet = encodePacket([encodeMessage({ type: 'userEvent', lamportTime: event.lamportTime, name: event.name, payload: event.payload })]);
      this.core.step(this.address, packet, this.nowMs());
    }
  }

  private async pushPull(address: string, join: boolean): Promise<void> {
    const request: StreamMessage = { type: 'pushPull', join, state: encodeRemoteState(this.core.localState()), events: join ? [] : [...this.recentEvents] };
    const reply = await exchange(this.exchangeContext, address, request);
    if (reply.type !== 'pushPullReply') throw new Error(`${address} answered a push-pull with ${reply.type}`);
    const state = decodeRemoteState(reply.state);
    if (state.type === 'bad') throw new Error(`${address} sent a bad push-pull state: ${state.reason}`);
    if (this.closed) return;
    if (!join) this.injectEvents(reply.events);
    this.core.mergeRemoteState(state.value, { join });
    this.flush();
  }

  /** Runs `work` unless too many exchanges are in flight (then it is skipped: SWIM tolerates a loss). */
  private outbound(work: () => Promise<void>): void {
    if (this.outboundInFlight >= limits.gossipStreamsOutboundMax) {
      this.counters.streamsSkipped += 1;
      return;
    }
    this.outboundInFlight += 1;
    void work()
      .catch(() => {})
      .finally(() => (this.outboundInFlight -= 1));
  }

  /** Carries out every pending effect of the core, then re-arms the tick timer. */
  private flush(): void {
    if (this.closed) return;
    while (this.core.hasReady()) this.carryOut(this.core.ready());
    this.schedule();
  }

  private carryOut(ready: SwimReady): void {
    for (const packet of ready.packets) this.send(packet.to, packet.bytes);
    const probeTimeoutMs = this.options.timing?.probeIntervalMs ?? lanDefaults.probeIntervalMs;
    for (const probe of ready.tcpProbes) {
      this.outbound(async () => {
        const reply = await exchange(this.exchangeContext, probe.address, { type: 'ping', target: probe.target }, probeTimeoutMs).catch(() => undefined);
        if (!this.closed) this.core.tcpProbeResult(probe.seq, reply?.type === 'ack' && reply.isTarget);
        this.flush();
      });
    }
    for (const request of ready.pushPulls) this.outbound(() => this.pushPull(request.address, request.join));
    for (const event of ready.memberEvents) this.roster.apply(event);
    for (const event of ready.userEvents) {
      this.recentEvents.push(event);
      if (this.recentEvents.length > limits.gossipPushPullUserEventsMax) this.recentEvents.shift();
      this.options.onUserEvent?.(event);
    }
  }

  private send(to: string, plain: Uint8Array): void {
    let target: { host: string; port: number };
    try {
      target = splitAddress(to);
    } catch {
      return;
    }
    const bytes = sealOutgoing(this.options.encryption, plain);
    this.counters.packetsSent += 1;
    this.counters.bytesSent += bytes.length;
    this.pair.udp.send(bytes, target.port, target.host, () => {});
  }

  private schedule(): void {
    const dueMs = this.core.nextDeadlineMs();
    if (this.timer !== undefined && this.timerDueMs <= dueMs) return;
    this.timer?.cancel();
    this.timerDueMs = dueMs;
    this.timer = this.options.clock.setTimer(Math.max(1, dueMs - this.nowMs()), () => {
      this.timer = undefined;
      this.timerDueMs = Number.POSITIVE_INFINITY;
      if (this.closed) return;
      this.core.tick(this.nowMs());
      this.roster.prune(this.nowMs());
      this.flush();
    });
  }
}
