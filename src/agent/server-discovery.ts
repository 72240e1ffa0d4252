// Servers found through gossip, as Consul finds them in its Serf pool: every LAN member whose tags
// say role=consul in this datacenter is a server, reachable at its address and its `port` tag. A
// server agent adds them to its cluster's peer book (hellos and Raft then reach them, and its
// leader's autopilot adds a new one to Raft); a client agent adds them to its server list. The
// -retry-join addresses over the RPC port keep working beside this.

import type { LanMember, MemberSource } from '../server/leader/reconcile-members.js';
import type { ServerInfo } from '../rpc/protocol.js';

/** The server a LAN member is, or undefined when it is not an alive server of `datacenter`. */
export function serverOf(member: LanMember, datacenter: string): ServerInfo | undefined {
  const { role, dc, id, port } = member.tags;
  if (role !== 'consul' || dc !== datacenter || member.status !== 'alive') return undefined;
  if (id === undefined || id === '' || port === undefined || !/^\d+$/.test(port)) return undefined;
  const host = member.address.includes(':') ? `[${member.address}]` : member.address;
  return { id, name: member.name, address: `${host}:${port}`, datacenter };
}

/** Calls `found` for every alive server among the members now and as they come and go. */
export function followGossipServers(source: MemberSource, datacenter: string, found: (server: ServerInfo) => void): () => void {
  for (const member of source.members()) {
    const server = serverOf(member, datacenter);
    if (server !== undefined) found(server);
  }
  return source.subscribe((member, reaped) => {
    const server = reaped ? undefined : serverOf(member, datacenter);
    if (server !== undefined) found(server);
  });
}
