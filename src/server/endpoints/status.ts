// Status.Leader and Status.Peers: who leads and who votes. A dev server is both, alone.

import type { RpcHandlers } from '../../rpc/protocol.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter } from '../query.js';

export function statusHandlers(context: ServerContext): Pick<RpcHandlers, 'Status.Leader' | 'Status.Peers'> {
  return {
    'Status.Leader': (args) => {
      checkDatacenter(context, args.datacenter);
      return Promise.resolve(context.rpcAddress);
    },
    'Status.Peers': (args) => {
      checkDatacenter(context, args.datacenter);
      return Promise.resolve([context.rpcAddress]);
    },
  };
}
