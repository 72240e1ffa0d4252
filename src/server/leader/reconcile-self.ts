// The leader keeps each server's own catalog entry: its node, the `consul` service every Consul
// server registers (port = server RPC port; clients discover servers through it), and the
// `serfHealth` check that says the node is alive. Until gossip lands this covers only the leader
// itself; the gossip issue extends it to every member. Existing tagged addresses and meta are
// kept, as Consul's leader does, so that the agent's own sync of its node is not undone.

import { CommandType } from '../../catalog/commands.js';
import { consulVersion, protocolVersion } from '../../version.js';
import type { HealthCheckContent } from '../../structs/registration.js';
import type { ServerContext } from '../context.js';

export interface SelfMember {
  readonly nodeName: string;
  readonly nodeId: string;
  readonly address: string;
  readonly serverPort: number;
}

export const serfCheck = { id: 'serfHealth', name: 'Serf Health Status', aliveOutput: 'Agent alive and reachable' } as const;

const serfFailedOutput = 'Agent not live or unreachable';

/** The `serfHealth` check row of `node`, as the leader writes it. */
export function serfHealth(node: string, status: 'passing' | 'critical'): HealthCheckContent {
  return {
    Node: node,
    CheckID: serfCheck.id,
    Name: serfCheck.name,
    Status: status,
    Notes: '',
    Output: status === 'passing' ? serfCheck.aliveOutput : serfFailedOutput,
    ServiceID: '',
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
  };
}

export async function reconcileSelf(context: ServerContext, self: SelfMember): Promise<void> {
  const existing = context.store.nodes.get(self.nodeName.toLowerCase());
  await context.log.propose({
    type: CommandType.Register,
    node: {
      ID: self.nodeId,
      Node: self.nodeName,
      Address: self.address,
      Datacenter: context.datacenter,
      TaggedAddresses: existing?.TaggedAddresses ?? {},
      Meta: existing?.Meta ?? {},
    },
    skipNodeUpdate: false,
    service: {
      ID: 'consul',
      Service: 'consul',
      Tags: [],
      Address: '',
      Meta: {
        raft_version: '3',
        serf_protocol_current: String(protocolVersion.current),
        serf_protocol_max: String(protocolVersion.max),
        serf_protocol_min: String(protocolVersion.min),
        version: consulVersion,
        non_voter: 'false',
        read_replica: 'false',
      },
      Port: self.serverPort,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      Proxy: { Mode: '', MeshGateway: {}, Expose: {} },
      Connect: {},
    },
    checks: [serfHealth(self.nodeName, 'passing')],
  });
}
