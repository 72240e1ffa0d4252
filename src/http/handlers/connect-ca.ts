// /v1/connect/ca/* and /v1/agent/connect/ca/*: the mesh CA's roots (blocking; ?pem for a PEM
// bundle), its configuration (GET/PUT) and this agent's cached leaf per service (blocking,
// renewed before expiry by src/agent/leaf-certs.ts). Consul: agent/connect_ca_endpoint.go,
// agent/agent_endpoint.go AgentConnectCARoots / AgentConnectCALeafCert.

import { caConfigurationRequestSchema } from '../../structs/connect-ca.js';
import { decodeBody } from '../decode-body.js';
import { has } from '../query-options.js';
import { json, type HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

async function roots(request: ApiRequest): Promise<HttpResult> {
  const reply = await request.agent.rpc.call('ConnectCA.Roots', queryOptionsOf(request), request.signal);
  if (has(request.params, 'pem')) {
    const bundle = reply.value.Roots.map((root) => String(root.RootCert).trimEnd()).join('\n');
    return { kind: 'raw', status: 200, body: Buffer.from(`${bundle}\n`), contentType: 'application/pem-certificate-chain', meta: reply.meta };
  }
  return { kind: 'query', value: reply.value, meta: reply.meta };
}

async function leaf(request: ApiRequest): Promise<HttpResult> {
  const service = requiredPathRest(request, 'Missing service name');
  const options = queryOptionsOf(request);
  const result = await request.agent.leafCerts.get(service, { token: options.token, minIndex: options.minQueryIndex, maxWaitMs: options.maxQueryTimeMs, signal: request.signal });
  return { kind: 'query', value: result.cert, meta: { index: result.index, knownLeader: true, lastContactMs: 0, consistency: 'leader' } };
}

export const connectCaRoutes: readonly Route[] = [
  { method: 'GET', path: '/v1/connect/ca/roots', handler: roots },
  { method: 'GET', path: '/v1/agent/connect/ca/roots', handler: roots },
  { method: 'GET', path: '/v1/agent/connect/ca/leaf/*', handler: leaf },
  {
    method: 'GET',
    path: '/v1/connect/ca/configuration',
    handler: async (request) => {
      const reply = await request.agent.rpc.call('ConnectCA.ConfigurationGet', queryOptionsOf(request), request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  {
    method: 'PUT',
    path: '/v1/connect/ca/configuration',
    handler: async (request) => {
      const config = decodeBody(request.body, caConfigurationRequestSchema);
      return json(await request.agent.rpc.call('ConnectCA.ConfigurationSet', { ...writeOptionsOf(request), config }));
    },
  },
];
