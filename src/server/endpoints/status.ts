// Status.Leader and Status.Peers: who leads and who votes, as this server knows it ("" while no
// leader is known, as Consul answers).

import type { RpcHandlers } from '../../rpc/protocol.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter } from '../query.js';

export function statusHandlers(context: ServerContext): Pick<RpcHandlers, 'Status.Leader' | 'Status.Peers'> {
  return {
    'Status.Leader': (args) => {
      checkDatacenter(context, args.datacenter);
      return Promise.resolve(context.cluster.leaderAddress() ?? '');
    },
    'Status.Peers': (args) => {
      checkDatacenter(context, args.datacenter);
      return Promise.resolve(context.cluster.peers());
    },
  };
}
