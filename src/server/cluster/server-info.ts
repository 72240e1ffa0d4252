// How servers name each other. Raft numbers its members; Consul names servers by node ID (a UUID).
// A server's Raft id is the first 48 bits of its node ID: stable across restarts, the same on
// every server without coordination, and a safe integer for the core.

import type { NodeId } from '../../raft/messages.js';

export type { ServerInfo } from '../../rpc/protocol.js';

export function raftIdOf(nodeId: string): NodeId {
  const id = Number.parseInt(nodeId.replace(/-/g, '').slice(0, 12), 16);
  // An all-zero prefix would be Raft's "nobody"; such a node ID gets the top bit instead.
  return Number.isSafeInteger(id) && id > 0 ? id : 2 ** 47;
}
