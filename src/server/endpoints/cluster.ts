// Cluster.Hello: a server or client agent introduces itself and learns the servers this one knows
// (cluster/joiner.ts says hello; this answers). A dev server knows only itself.

import type { HelloFacts, RpcHandlers, ServerInfo } from '../../rpc/protocol.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter } from '../query.js';

/** The server's side of hellos: what it says of itself, whom it knows, and what it does with a hello. */
export interface HelloPeer {
  facts(): HelloFacts;
  servers(): ServerInfo[];
  heard(facts: HelloFacts): void;
}

export function clusterHandlers(context: ServerContext, peer: HelloPeer): Pick<RpcHandlers, 'Cluster.Hello'> {
  return {
    'Cluster.Hello': (args) => {
      checkDatacenter(context, args.datacenter);
      if (args.from !== undefined) peer.heard(args.from);
      return Promise.resolve({ ...peer.facts(), servers: peer.servers() });
    },
  };
}
