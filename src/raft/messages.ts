// Raft's data on the wire and on disk: log entries, the durable hard state, snapshot metadata,
// configuration changes and the Message union exchanged between peers. Everything here is plain
// data (no methods) so the transport and the WAL can encode it without knowing the core.

import { assert } from '../lib/assert.js';

/** Node ids are positive integers; 0 means "none" wherever an id is optional. */
export type NodeId = number;
export const NO_NODE: NodeId = 0;

/**
 * One log entry. `index` ≥ 1 and `term` ≥ 1 for real entries. A 'config' entry's data is
 * `encodeConfigEntry(...)`; a 'normal' entry's data is opaque to Raft (an empty one is the no-op
 * a new leader appends to commit entries of earlier terms).
 */
export interface Entry {
  term: number;
  index: number;
  type: 'normal' | 'config';
  data: Uint8Array;
}

/** What must be durable before any message of the same Ready leaves the node. */
export interface HardState {
  term: number;
  /** The node voted for in `term`; 0 = none. */
  vote: NodeId;
  commit: number;
}

/** Cluster membership: voters count towards quorums; learners only receive the log. */
export interface ConfigState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers; 0 = no snapshot. */
  index: number;
  term: number;
  /** The configuration in force at `index`. */
  config: ConfigState;
}

/** A snapshot: metadata plus the state machine's bytes, opaque to the core. */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** One membership change. `addVoter` on an existing learner promotes it. */
export type ConfigChange =
  | { type: 'addVoter'; node: NodeId }
  | { type: 'addLearner'; node: NodeId }
  | { type: 'removeNode'; node: NodeId };

/**
 * A config entry carries the change and the whole configuration that results from it, so that
 * applying it is idempotent and a node replaying the log from any starting point (a joining node
 * with an empty configuration, a restart from an older snapshot) ends with the right membership.
 */
export interface ConfigEntryPayload {
  change: ConfigChange;
  config: ConfigState;
}

export function encodeConfigEntry(payload: ConfigEntryPayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(payload));
}

/** Decodes a config entry; a malformed one is a bug (only the core writes them), so it asserts. */
export function decodeConfigEntry(data: Uint8Array): ConfigEntryPayload {
  const value = JSON.parse(new TextDecoder().decode(data)) as ConfigEntryPayload;
  assert(typeof value === 'object' && value !== null, 'config entry is not an object');
  assert(Array.isArray(value.config?.voters) && Array.isArray(value.config?.learners), 'config entry has no config');
  assert(typeof value.change?.node === 'number', 'config entry has no change');
  return value;
}

interface Envelope {
  from: NodeId;
  to: NodeId;
  /** The sender's term (for a pre-vote request: the term it would campaign in). */
  term: number;
}

/** Leader → follower: entries following (index, logTerm), and the leader's commit index. */
export interface AppendMessage extends Envelope {
  type: 'append';
  /** Index of the entry immediately before `entries` (the consistency check, §5.3). */
  index: number;
  /** Term of the entry at `index`. */
  logTerm: number;
  entries: Entry[];
  commit: number;
}

/**
 * Follower → leader. Accepted: `index` is the follower's last index known to match the leader's.
 * Rejected: `index` is the rejected append's `index`; (`rejectHint`, `logTerm`) is the follower's
 * largest index whose term ≤ the append's logTerm, letting the leader skip a whole term at once.
 */
export interface AppendResponseMessage extends Envelope {
  type: 'appendResponse';
  index: number;
  reject: boolean;
  rejectHint: number;
  logTerm: number;
}

/** Candidate → voter. `preVote` asks "would you vote?" without anyone changing term (§9.6). */
export interface VoteMessage extends Envelope {
  type: 'vote';
  preVote: boolean;
  lastIndex: number;
  lastTerm: number;
  /** Set when campaigning on a leader's timeoutNow: voters skip the leader-lease check. */
  transfer: boolean;
}

export interface VoteResponseMessage extends Envelope {
  type: 'voteResponse';
  preVote: boolean;
  reject: boolean;
}

/** Leader → follower liveness; `context` > 0 tags a ReadIndex round to be echoed back. */
export interface HeartbeatMessage extends Envelope {
  type: 'heartbeat';
  commit: number;
  context: number;
}

export interface HeartbeatResponseMessage extends Envelope {
  type: 'heartbeatResponse';
  context: number;
}

/** Leader → follower: one chunk [offset, offset + data.length) of a snapshot's bytes. */
export interface SnapshotMessage extends Envelope {
  type: 'snapshot';
  meta: SnapshotMeta;
  offset: number;
  data: Uint8Array;
  /** True on the last chunk. */
  done: boolean;
}

/** Follower → leader: the next byte offset it expects for the snapshot at `index`. */
export interface SnapshotResponseMessage extends Envelope {
  type: 'snapshotResponse';
  index: number;
  offset: number;
}

/** Leader → chosen successor: campaign now (leadership transfer, §3.10 of the thesis). */
export interface TimeoutNowMessage extends Envelope {
  type: 'timeoutNow';
}

/** Follower → leader: a linearizable read request (ReadIndex, §6.4 of the thesis). */
export interface ReadIndexMessage extends Envelope {
  type: 'readIndex';
  requestId: number;
}

/** Leader → follower: the read may be served once the follower has applied `index`. */
export interface ReadIndexResponseMessage extends Envelope {
  type: 'readIndexResponse';
  requestId: number;
  index: number;
}

export type Message =
  | AppendMessage
  | AppendResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | SnapshotMessage
  | SnapshotResponseMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage;

export type MessageType = Message['type'];

/** Distributes Omit over the union so each member keeps its own fields. */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type MessageBody = OmitEach<Message, 'from' | 'term'>;

/** Bytes an entry counts for in size limits (payload only, like etcd's payload size). */
export function entryBytes(entry: Entry): number {
  return entry.data.length;
}
