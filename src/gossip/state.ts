// SwimState: the member table and effect buffers shared by the core's parts (membership.ts,
// probe.ts, swim.ts). Plain data plus the few helpers every transition needs; no I/O, no clock
// of its own — `nowMs` is the latest reading the driver passed in.

import type { Random } from '../lib/random.js';
import { limits } from '../lib/limits.js';
import { scaleByAwarenessMs } from './awareness.js';
import { BroadcastQueue, retransmitLimit } from './broadcasts.js';
import { encodeMessage, encodePacket, framedBytes, packetHeaderBytes } from './codec.js';
import type { SwimConfig } from './config.js';
import type { MemberEvent, MemberView, SwimReady } from './effects.js';
import type { Address, GossipMessage, MemberMeta, MemberState } from './messages.js';
import type { Suspicion } from './suspicion.js';

export interface Member {
  name: string;
  address: Address;
  meta: MemberMeta;
  /** Only the member itself raises it (refutation, meta change); others just repeat it. */
  incarnation: number;
  state: MemberState;
  /** When `state` last changed; dead/left members are reaped gossipToTheDeadMs after it. */
  stateChangeMs: number;
}

export interface SwimState {
  readonly config: SwimConfig;
  readonly random: Random;
  nowMs: number;
  /** This member; also present in `members`. */
  readonly self: Member;
  readonly members: Map<string, Member>;
  /** Running suspicions, by suspect name; present iff the member's state is suspect. */
  readonly suspicions: Map<string, Suspicion>;
  /**
   * No suspicion expires before this (it may be earlier than the true minimum after a suspicion
   * ends, which only costs one scan). Saves scanning every suspicion on every tick and packet.
   */
  suspicionsEarliestDeadlineMs: number;
  readonly broadcasts: BroadcastQueue;
  /** Members that failed (not left), with the address to retry, kept past reaping (reconnect.ts). */
  readonly failed: Map<string, { address: Address; sinceMs: number }>;
  /** Lifeguard local health score, 0 = healthy (awareness.ts). */
  awarenessScore: number;
  /** Set by leave(): we stop refuting our own departure. */
  leaving: boolean;
  nextSeq: number;
  readonly out: SwimReady;
  readonly counters: { badPackets: number; refutations: number; droppedRelays: number };
}

export function emptyReady(): SwimReady {
  return { packets: [], tcpProbes: [], pushPulls: [], memberEvents: [], userEvents: [] };
}

export function nextSeq(state: SwimState): number {
  state.nextSeq = (state.nextSeq + 1) % Number.MAX_SAFE_INTEGER;
  return state.nextSeq;
}

/** Timeouts stretched by local health (Lifeguard). */
export function scaled(state: SwimState, timeoutMs: number): number {
  return scaleByAwarenessMs(timeoutMs, state.awarenessScore);
}

/** Queues news about `key` (a member name) or an unkeyed user event for piggybacking. */
export function broadcast(state: SwimState, key: string | undefined, message: GossipMessage): void {
  state.broadcasts.queue(key, encodeMessage(message));
}

/** Sends `messages` to `to` in one packet, filling the rest of it with queued broadcasts. */
export function send(state: SwimState, to: Address, messages: readonly GossipMessage[]): void {
  const encoded = messages.map(encodeMessage);
  let used = packetHeaderBytes;
  for (const m of encoded) used += framedBytes(m);
  const limit = retransmitLimit(state.config.retransmitMult, state.members.size);
  const piggyback = state.broadcasts.take(limits.gossipPacketBytesMax - used, limit);
  state.out.packets.push({ to, bytes: encodePacket([...encoded, ...piggyback]) });
}

/** Sends only queued broadcasts (a gossip round); nothing when the queue is empty. */
export function sendBroadcastsOnly(state: SwimState, to: Address): void {
  const limit = retransmitLimit(state.config.retransmitMult, state.members.size);
  const piggyback = state.broadcasts.take(limits.gossipPacketBytesMax - packetHeaderBytes, limit);
  if (piggyback.length > 0) state.out.packets.push({ to, bytes: encodePacket(piggyback) });
}

export function emitMemberEvent(state: SwimState, type: MemberEvent['type'], member: Member): void {
  state.out.memberEvents.push({ type, member: viewOf(member), atMs: state.nowMs });
}

export function viewOf(member: Member): MemberView {
  return { name: member.name, address: member.address, meta: member.meta, incarnation: member.incarnation, state: member.state };
}

/**
 * Up to k distinct random members passing `accept`, never self (memberlist's kRandomNodes). At
 * most 3 × |members| draws, so a table of mostly-dead members cannot make it spin.
 */
export function randomMembers(state: SwimState, names: readonly string[], k: number, accept: (m: Member) => boolean): Member[] {
  const chosen: Member[] = [];
  if (k <= 0 || names.length === 0) return chosen;
  const seen = new Set<string>();
  for (let draw = 0; draw < 3 * names.length && chosen.length < k; draw++) {
    const name = names[state.random.int(names.length)];
    if (name === undefined || seen.has(name) || name === state.self.name) continue;
    seen.add(name);
    const member = state.members.get(name);
    if (member !== undefined && accept(member)) chosen.push(member);
  }
  return chosen;
}

export function metaEqual(a: MemberMeta, b: MemberMeta): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k]);
}
