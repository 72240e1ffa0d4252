// /v1/connect/intentions* (Consul's agent/intentions_endpoint.go) and /v1/agent/connect/authorize
// (agent_endpoint.go AgentConnectAuthorize). Intentions are stored as service-intentions config
// entries; the legacy ID API and the exact API both go through Intention.Apply.

import { type AuthorizeRequest, clientIdentity } from '../../connect/authorize.js';
import type { IntentionInput } from '../../connect/intention-writes.js';
import { badRequest, notFound } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import { canonicalConfigFields } from '../../structs/config-entry.js';
import { s } from '../../structs/schema.js';
import { decodeBody } from '../decode-body.js';
import { all, first } from '../query-options.js';
import { empty, json, type HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

const intentionSchema = s.struct('Intention', {
  ID: s.string(),
  Description: s.string(),
  SourceNS: s.string(),
  SourceName: s.string(),
  DestinationNS: s.string(),
  DestinationName: s.string(),
  SourceType: s.string(),
  Action: s.string(),
  Meta: s.map(s.string()),
  Permissions: s.list(s.any()),
});

const authorizeSchema = s.struct('ConnectAuthorizeRequest', { Target: s.string(), ClientCertURI: s.string(), ClientCertSerial: s.string() });

function intentionBody(request: ApiRequest): IntentionInput {
  const decoded = decodeBody(request.body, intentionSchema);
  const permissions = decoded.Permissions.map((permission, i) => canonicalConfigFields(permission, `Permissions[${i}]`));
  return { ...decoded, Action: decoded.Action.toLowerCase(), Permissions: permissions };
}

function requiredParam(request: ApiRequest, name: string): string {
  const value = first(request.params, name);
  if (value === '') throw badRequest(`required query parameter '${name}' not set`);
  return value;
}

async function list(request: ApiRequest): Promise<HttpResult> {
  const reply = await request.agent.rpc.call('Intention.List', queryOptionsOf(request), request.signal);
  return { kind: 'query', value: reply.value, meta: reply.meta };
}

async function create(request: ApiRequest): Promise<HttpResult> {
  const intention = intentionBody(request);
  const id = await request.agent.rpc.call('Intention.Apply', { ...writeOptionsOf(request), write: { op: 'create', intention } });
  return json({ ID: id });
}

/** One intention by a predicate over the list (by legacy ID, or exact source and destination). */
async function findOne(request: ApiRequest, matches: (intention: { ID: string; SourceName: string; DestinationName: string }) => boolean): Promise<HttpResult> {
  const reply = await request.agent.rpc.call('Intention.List', queryOptionsOf(request), request.signal);
  const found = reply.value.find(matches);
  if (found === undefined) throw notFound('Intention not found');
  return { kind: 'query', value: found, meta: reply.meta };
}

async function exactPut(request: ApiRequest): Promise<HttpResult> {
  const source = requiredParam(request, 'source');
  const destination = requiredParam(request, 'destination');
  const intention = { ...intentionBody(request), SourceName: source, DestinationName: destination };
  await request.agent.rpc.call('Intention.Apply', { ...writeOptionsOf(request), write: { op: 'upsert-exact', intention } });
  return json(true);
}

async function exactDelete(request: ApiRequest): Promise<HttpResult> {
  const write = { op: 'delete-exact' as const, source: requiredParam(request, 'source'), destination: requiredParam(request, 'destination') };
  await request.agent.rpc.call('Intention.Apply', { ...writeOptionsOf(request), write });
  return json(true);
}

async function match(request: ApiRequest): Promise<HttpResult> {
  const by = requiredParam(request, 'by');
  if (by !== 'source' && by !== 'destination') throw badRequest("'by' parameter must be one of 'source' or 'destination'");
  const names = all(request.params, 'name');
  if (names.length === 0) throw badRequest("required query parameter 'name' not set");
  if (names.length > limits.intentionMatchNamesMax) throw badRequest(`at most ${limits.intentionMatchNamesMax} 'name' parameters`);
  const reply = await request.agent.rpc.call('Intention.Match', { ...queryOptionsOf(request), type: by, names }, request.signal);
  const value: Record<string, unknown> = {};
  names.forEach((name, i) => (value[name] = reply.value[i]));
  return { kind: 'query', value, meta: reply.meta };
}

async function check(request: ApiRequest): Promise<HttpResult> {
  const source = requiredParam(request, 'source');
  const destination = requiredParam(request, 'destination');
  const reply = await request.agent.rpc.call('Intention.Decide', { ...queryOptionsOf(request), source, destination }, request.signal);
  return { kind: 'query', value: { Allowed: reply.value.allowed }, meta: reply.meta };
}

async function authorize(request: ApiRequest): Promise<HttpResult> {
  const body: AuthorizeRequest = decodeBody(request.body, authorizeSchema);
  const id = clientIdentity(body);
  const defaultIntentionPolicy = request.agent.config.connect.defaultIntentionPolicy;
  const reply = await request.agent.rpc.call('Intention.Authorize', { ...queryOptionsOf(request), target: body.Target, client: id, defaultIntentionPolicy }, request.signal);
  return json(reply.value);
}

const byId = (request: ApiRequest): string => requiredPathRest(request, 'Missing intention ID');

export const intentionRoutes: readonly Route[] = [
  { method: 'GET', path: '/v1/connect/intentions', handler: list },
  { method: 'POST', path: '/v1/connect/intentions', handler: create },
  { method: 'GET', path: '/v1/connect/intentions/match', handler: match },
  { method: 'GET', path: '/v1/connect/intentions/check', handler: check },
  {
    method: 'GET',
    path: '/v1/connect/intentions/exact',
    handler: (request) => {
      const source = requiredParam(request, 'source');
      const destination = requiredParam(request, 'destination');
      return findOne(request, (intention) => intention.SourceName === source && intention.DestinationName === destination);
    },
  },
  { method: 'PUT', path: '/v1/connect/intentions/exact', handler: exactPut },
  { method: 'DELETE', path: '/v1/connect/intentions/exact', handler: exactDelete },
  {
    method: 'GET',
    path: '/v1/connect/intentions/*',
    handler: (request) => {
      const id = byId(request);
      return findOne(request, (intention) => intention.ID === id);
    },
  },
  {
    method: 'PUT',
    path: '/v1/connect/intentions/*',
    handler: async (request) => {
      const intention = intentionBody(request);
      await request.agent.rpc.call('Intention.Apply', { ...writeOptionsOf(request), write: { op: 'update', id: byId(request), intention } });
      return empty;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/connect/intentions/*',
    handler: async (request) => {
      await request.agent.rpc.call('Intention.Apply', { ...writeOptionsOf(request), write: { op: 'delete', id: byId(request) } });
      return json(true);
    },
  },
  { method: 'POST', path: '/v1/agent/connect/authorize', handler: authorize },
];
