// Gossip driver: the SWIM core (src/gossip/*.ts, pure) on real sockets.
//
//   pool.ts         GossipPool: UDP + TCP on one port, the tick loop, join/leave/force-leave, events
//   exchange.ts     one TCP request/answer with a deadline (push-pull, TCP probe, keyring)
//   stream.ts       TCP frames and their messages, bounded and validated
//   keyring.ts      AES-GCM seal/open, the keyring (primary + secondaries), verify_incoming/outgoing
//   keyring-ops.ts  a keyring operation applied on every alive member, answers tallied
//   roster.ts       Serf's member list: failed/left kept after the core forgets them, then reaped
//
// Numbered flow of a join: (1) pool.join(seed) opens TCP to the seed and sends our state; (2) the
// seed merges it (we are new: it broadcasts our alive) and answers with its state; (3) we merge
// that: each member found is a roster 'status' event → the agent; (4) probes and gossip follow.

export { GossipPool, type GossipPoolOptions, type PoolStats, type SwimTiming } from './pool.js';
export { Keyring, decodeGossipKey, type Encryption } from './keyring.js';
export type { KeyringResult } from './keyring-ops.js';
export type { KeyringOp } from './stream.js';
export { memberStatusCodes, type MemberStatus, type PoolMember, type RosterEvent } from './roster.js';
