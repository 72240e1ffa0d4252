// /v1/status/leader and /v1/status/peers: plain JSON, no X-Consul-* headers (as Consul).

import { json } from '../result.js';
import { queryOptionsOf, type Route } from '../route.js';

export const statusRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/status/leader',
    handler: async (request) => json(await request.agent.rpc.call('Status.Leader', { datacenter: queryOptionsOf(request).datacenter })),
  },
  {
    method: 'GET',
    path: '/v1/status/peers',
    handler: async (request) => json(await request.agent.rpc.call('Status.Peers', { datacenter: queryOptionsOf(request).datacenter })),
  },
];
