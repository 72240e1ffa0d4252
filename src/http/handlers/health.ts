// /v1/health/*: service instances with their checks, and checks by node, service and state.

import { badRequest } from '../../lib/errors.js';
import { all, first, has, parseGoBool, parseNodeMeta } from '../query-options.js';
import type { HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, requiredPathRest, type Route } from '../route.js';

const states = ['any', 'passing', 'warning', 'critical'] as const;

/** ?passing is a flag (?passing, ?passing=) that also takes Go booleans (?passing=1, =false). */
function passingOnly(request: ApiRequest): boolean {
  if (!has(request.params, 'passing')) return false;
  const text = first(request.params, 'passing');
  if (text === '') return true;
  const value = parseGoBool(text);
  if (value === undefined) throw badRequest('Invalid value for ?passing');
  return value;
}

async function serviceNodes(request: ApiRequest, connect: boolean): Promise<HttpResult> {
  const serviceName = requiredPathRest(request, 'Missing service name');
  const args = {
    ...queryOptionsOf(request),
    serviceName,
    tags: all(request.params, 'tag'),
    nodeMeta: parseNodeMeta(request.params),
    passingOnly: passingOnly(request),
    connect,
  };
  const reply = await request.agent.rpc.call('Health.ServiceNodes', args, request.signal);
  return { kind: 'query', value: reply.value, meta: reply.meta };
}

export const healthRoutes: readonly Route[] = [
  { method: 'GET', path: '/v1/health/service/*', handler: (request) => serviceNodes(request, false) },
  { method: 'GET', path: '/v1/health/connect/*', handler: (request) => serviceNodes(request, true) },
  {
    method: 'GET',
    path: '/v1/health/checks/*',
    handler: async (request) => {
      const serviceName = requiredPathRest(request, 'Missing service name');
      const reply = await request.agent.rpc.call('Health.ServiceChecks', { ...queryOptionsOf(request), serviceName, nodeMeta: parseNodeMeta(request.params) }, request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  {
    method: 'GET',
    path: '/v1/health/node/*',
    handler: async (request) => {
      const node = requiredPathRest(request, 'Missing node name');
      const reply = await request.agent.rpc.call('Health.NodeChecks', { ...queryOptionsOf(request), node }, request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  {
    method: 'GET',
    path: '/v1/health/state/*',
    handler: async (request) => {
      const state = requiredPathRest(request, 'Missing check state');
      // Consul answers [] for a state that does not exist; a clear 400 helps the caller more.
      if (!(states as readonly string[]).includes(state)) throw badRequest(`Bad check state: "${state}" (expected one of ${states.join(', ')})`);
      const args = { ...queryOptionsOf(request), state: state as (typeof states)[number], nodeMeta: parseNodeMeta(request.params) };
      const reply = await request.agent.rpc.call('Health.ChecksInState', args, request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
];
