// /v1/catalog/*: register and deregister (writes through the server), and the catalog reads.

import { deregisterRequestSchema, registerRequestSchema } from '../../structs/node.js';
import { registrationFromRequest } from '../../structs/registration.js';
import { decodeBody } from '../decode-body.js';
import { all, parseNodeMeta } from '../query-options.js';
import { json, type HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

async function register(request: ApiRequest): Promise<HttpResult> {
  const options = writeOptionsOf(request);
  const body = decodeBody(request.body, registerRequestSchema);
  const registration = registrationFromRequest(body, options.datacenter || request.agent.config.datacenter);
  const token = body.Token !== '' ? body.Token : options.token;
  return json(await request.agent.rpc.call('Catalog.Register', { ...options, datacenter: options.datacenter || body.Datacenter, token, registration }));
}

async function deregister(request: ApiRequest): Promise<HttpResult> {
  const options = writeOptionsOf(request);
  const body = decodeBody(request.body, deregisterRequestSchema);
  const token = body.Token !== '' ? body.Token : options.token;
  const args = { ...options, datacenter: options.datacenter || body.Datacenter, token, node: body.Node, serviceId: body.ServiceID, checkId: body.CheckID };
  return json(await request.agent.rpc.call('Catalog.Deregister', args));
}

async function serviceNodes(request: ApiRequest, connect: boolean): Promise<HttpResult> {
  const serviceName = requiredPathRest(request, 'Missing service name');
  const args = { ...queryOptionsOf(request), serviceName, tags: all(request.params, 'tag'), nodeMeta: parseNodeMeta(request.params), connect };
  const reply = await request.agent.rpc.call('Catalog.ServiceNodes', args, request.signal);
  return { kind: 'query', value: reply.value, meta: reply.meta };
}

export const catalogRoutes: readonly Route[] = [
  { method: 'PUT', path: '/v1/catalog/register', handler: register },
  { method: 'PUT', path: '/v1/catalog/deregister', handler: deregister },
  {
    method: 'GET',
    path: '/v1/catalog/datacenters',
    handler: async (request) => json(await request.agent.rpc.call('Catalog.ListDatacenters', {})),
  },
  {
    method: 'GET',
    path: '/v1/catalog/nodes',
    handler: async (request) => {
      const reply = await request.agent.rpc.call('Catalog.ListNodes', { ...queryOptionsOf(request), nodeMeta: parseNodeMeta(request.params) }, request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  {
    method: 'GET',
    path: '/v1/catalog/services',
    handler: async (request) => {
      const reply = await request.agent.rpc.call('Catalog.ListServices', { ...queryOptionsOf(request), nodeMeta: parseNodeMeta(request.params) }, request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  { method: 'GET', path: '/v1/catalog/service/*', handler: (request) => serviceNodes(request, false) },
  { method: 'GET', path: '/v1/catalog/connect/*', handler: (request) => serviceNodes(request, true) },
  {
    method: 'GET',
    path: '/v1/catalog/node/*',
    handler: async (request) => {
      const node = requiredPathRest(request, 'Missing node name');
      const reply = await request.agent.rpc.call('Catalog.NodeServices', { ...queryOptionsOf(request), node }, request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  {
    method: 'GET',
    path: '/v1/catalog/node-services/*',
    handler: async (request) => {
      const node = requiredPathRest(request, 'Missing node name');
      const reply = await request.agent.rpc.call('Catalog.NodeServiceList', { ...queryOptionsOf(request), node }, request.signal);
      // An unknown node is an object with two nulls here (Consul), but plain null on /catalog/node.
      return { kind: 'query', value: reply.value ?? { Node: null, Services: null }, meta: reply.meta };
    },
  },
];
