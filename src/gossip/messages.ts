// Gossip messages: the numbered, append-only wire vocabulary of the SWIM core (memberlist's
// messageType in net.go plays the same role). Numbers are never reused; codec.ts maps each to a
// compact msgpack tuple and validates it on the way in.

/** A member's state as every node agrees on it (memberlist's NodeStateType; Serf adds "leaving"). */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** Driver-level address of a member ("ip:port" in production, any string in the simulator). */
export type Address = string;

/** Tags carried with a member (Consul puts role, dc, port... here; memberlist's Meta). */
export type MemberMeta = Readonly<Record<string, string>>;

export const messageCodes = {
  ping: 0,
  indirectPing: 1,
  ack: 2,
  nack: 3,
  suspect: 4,
  alive: 5,
  dead: 6,
  userEvent: 7,
} as const;

/** Direct probe. `target` lets the receiver ignore a ping meant for a previous owner of the address. */
export interface PingMessage {
  type: 'ping';
  seq: number;
  target: string;
  source: string;
  sourceAddress: Address;
}

/** "Please ping `target` for me and forward its ack" (SWIM's ping-req). */
export interface IndirectPingMessage {
  type: 'indirectPing';
  seq: number;
  target: string;
  targetAddress: Address;
  source: string;
  sourceAddress: Address;
  /** Lifeguard: the relay answers with a nack when the target stays silent. */
  wantNack: boolean;
}

export interface AckMessage {
  type: 'ack';
  seq: number;
}

/** Lifeguard: a relay tells the prober it is alive but heard nothing from the target. */
export interface NackMessage {
  type: 'nack';
  seq: number;
}

/** `from` suspects `node` at `incarnation`; independent `from`s shorten the suspicion timeout. */
export interface SuspectMessage {
  type: 'suspect';
  incarnation: number;
  node: string;
  from: string;
}

export interface AliveMessage {
  type: 'alive';
  incarnation: number;
  node: string;
  address: Address;
  meta: MemberMeta;
}

/** `from === node` means a graceful leave; otherwise `from` declares `node` failed. */
export interface DeadMessage {
  type: 'dead';
  incarnation: number;
  node: string;
  from: string;
}

/** A user event (Serf's messageUserEvent): deduplicated by (lamportTime, name). */
export interface UserEventMessage {
  type: 'userEvent';
  lamportTime: number;
  name: string;
  payload: Uint8Array;
}

export type GossipMessage =
  | PingMessage
  | IndirectPingMessage
  | AckMessage
  | NackMessage
  | SuspectMessage
  | AliveMessage
  | DeadMessage
  | UserEventMessage;

/** One member as exchanged by push-pull (memberlist's pushNodeState). */
export interface RemoteMember {
  name: string;
  address: Address;
  meta: MemberMeta;
  incarnation: number;
  state: MemberState;
}

/** The full state one side sends in a push-pull exchange (join or periodic anti-entropy). */
export interface RemoteState {
  members: RemoteMember[];
  /** The sender's user-event Lamport clock, so a joiner does not replay old events. */
  userEventLamportTime: number;
}
