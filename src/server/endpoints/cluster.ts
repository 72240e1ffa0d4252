// Cluster.Hello: a server or client agent introduces itself and learns the servers this one knows
// (cluster/joiner.ts says hello; this answers). A dev server knows only itself.

import { badRequest } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
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
      if (args.from !== undefined) peer.heard(validHello(args.from));
      return Promise.resolve({ ...peer.facts(), servers: peer.servers() });
    },
  };
}

/** A hello arrives from the network: every field is checked before it reaches the peer book. */
function validHello(facts: HelloFacts): HelloFacts {
  const self = facts.self as Partial<ServerInfo> | undefined;
  const text = (value: unknown): boolean => typeof value === 'string' && value.length > 0 && value.length <= limits.httpPathParamBytesMax;
  const valid =
    typeof self === 'object' &&
    text(self.id) &&
    text(self.name) &&
    text(self.address) &&
    typeof self.datacenter === 'string' &&
    Number.isSafeInteger(facts.bootstrapExpect) &&
    typeof facts.hasState === 'boolean' &&
    Array.isArray(facts.voters) &&
    facts.voters.length <= limits.clusterServersMax &&
    facts.voters.every((voter) => Number.isSafeInteger(voter) && voter > 0);
  if (!valid) throw badRequest('Cluster.Hello: malformed server facts');
  return facts;
}
