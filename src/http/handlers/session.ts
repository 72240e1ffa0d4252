// /v1/session/*: create, destroy, renew, info, node, list (agent/session_endpoint.go). A create
// with no body makes a session on this agent's node, tied to serfHealth, releasing its locks
// after a 15 s lock-delay when invalidated.

import { parseGoDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';
import { type SessionCreateRequest, sessionCreateSchema } from '../../structs/session.js';
import { zeroValue } from '../../structs/schema.js';
import { decodeBody } from '../decode-body.js';
import { json, type HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

/**
 * LockDelay as Consul reads it (FixupLockDelay): a duration string or a number of nanoseconds,
 * and a value under 1000 ns is taken as seconds, because clients send `5` meaning 5 s.
 */
export function lockDelayMsOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  let ns: number;
  if (typeof value === 'string') {
    const ms = parseGoDuration(value);
    if (ms === undefined) throw badRequest(`Request decode failed: time: invalid duration ${JSON.stringify(value)}`);
    ns = ms * 1e6;
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    ns = value;
  } else {
    throw badRequest('Request decode failed: LockDelay: expected a duration, got ' + typeof value);
  }
  return ns < 1000 ? ns * 1000 : ns / 1e6;
}

async function create(request: ApiRequest): Promise<HttpResult> {
  const options = writeOptionsOf(request);
  const hasBody = request.body !== undefined && request.body.length > 0;
  const body: SessionCreateRequest = hasBody ? decodeBody(request.body, sessionCreateSchema) : zeroValue(sessionCreateSchema);
  const args = { ...options, request: body, lockDelayMs: lockDelayMsOf(body.LockDelay), defaultNode: request.agent.config.nodeName };
  return json({ ID: await request.agent.rpc.call('Session.Create', args) });
}

async function destroy(request: ApiRequest): Promise<HttpResult> {
  const id = requiredPathRest(request, 'Missing session');
  return json(await request.agent.rpc.call('Session.Destroy', { ...writeOptionsOf(request), id }));
}

async function renew(request: ApiRequest): Promise<HttpResult> {
  const id = requiredPathRest(request, 'Missing session');
  const sessions = await request.agent.rpc.call('Session.Renew', { ...writeOptionsOf(request), id });
  if (sessions === null) return { kind: 'text', status: 404, body: `Session id '${id}' not found` };
  return json(sessions);
}

export const sessionRoutes: readonly Route[] = [
  { method: 'PUT', path: '/v1/session/create', handler: create },
  { method: 'PUT', path: '/v1/session/destroy/*', handler: destroy },
  { method: 'PUT', path: '/v1/session/renew/*', handler: renew },
  {
    method: 'GET',
    path: '/v1/session/info/*',
    handler: async (request) => {
      const id = requiredPathRest(request, 'Missing session');
      const reply = await request.agent.rpc.call('Session.Get', { ...queryOptionsOf(request), id }, request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  {
    method: 'GET',
    path: '/v1/session/node/*',
    handler: async (request) => {
      const node = requiredPathRest(request, 'Missing node name');
      const reply = await request.agent.rpc.call('Session.NodeSessions', { ...queryOptionsOf(request), node }, request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  {
    method: 'GET',
    path: '/v1/session/list',
    handler: async (request) => {
      const reply = await request.agent.rpc.call('Session.List', queryOptionsOf(request), request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
];
