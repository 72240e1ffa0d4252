// SwimReady: the batch of effects the core hands its driver, and the contract for handling them.
//
//   core.step(from, bytes, nowMs) / core.tick(nowMs) / join / leave / ...   mutate the core
//   if (core.hasReady()) {
//     const ready = core.ready();         // takes (and clears) the batch; the arrays are the driver's
//     1. send      ready.packets over UDP, best effort (loss is expected: SWIM tolerates it)
//     2. probe     each ready.tcpProbes over TCP; report core.tcpProbeResult(seq, ok) within the
//                  probe interval (a late result is ignored)
//     3. exchange  each ready.pushPulls over TCP: send encodeRemoteState(core.localState()), read the
//                  peer's, call core.mergeRemoteState(state, {join}); on failure report nothing
//     4. deliver   ready.memberEvents (in order) and ready.userEvents to the agent
//   }
//   schedule the next core.tick() at core.nextDeadlineMs() (ticking earlier is harmless)
//
// The serving side of a push-pull: read the peer's state, answer with localState(), then merge the
// peer's state with mergeRemoteState(state, {join: false}). Packets are already encoded (codec.ts)
// and never exceed limits.gossipPacketBytesMax.

import type { Address, MemberMeta, MemberState } from './messages.js';

/** A read-only copy of one member, as handed to the driver. */
export interface MemberView {
  readonly name: string;
  readonly address: Address;
  readonly meta: MemberMeta;
  readonly incarnation: number;
  readonly state: MemberState;
}

export interface OutboundPacket {
  to: Address;
  bytes: Uint8Array;
}

/** A TCP ping the core wants (memberlist's fallback probe): succeed iff `target` answers at `address`. */
export interface TcpProbeRequest {
  seq: number;
  target: string;
  address: Address;
}

/** A full state exchange with `address`; `join` marks the first one, with a seed. */
export interface PushPullRequest {
  address: Address;
  join: boolean;
}

/**
 * What the agent hears about members (Serf's EventMemberJoin/Update/Leave/Failed/Reap):
 * join when a member becomes alive (new, or back from dead/left), update when its address or
 * meta change, leave on a graceful leave, fail when declared dead, reap when forgotten.
 */
export interface MemberEvent {
  type: 'join' | 'update' | 'leave' | 'fail' | 'reap';
  member: MemberView;
  atMs: number;
}

export interface UserEventDelivery {
  lamportTime: number;
  name: string;
  payload: Uint8Array;
}

export interface SwimReady {
  packets: OutboundPacket[];
  tcpProbes: TcpProbeRequest[];
  pushPulls: PushPullRequest[];
  memberEvents: MemberEvent[];
  userEvents: UserEventDelivery[];
}
