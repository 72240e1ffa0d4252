// /v1/query and /v1/query/:id[/execute|/explain] (Consul's agent/prepared_query_endpoint.go).
//
//   POST   /v1/query                 create → {"ID": "..."}
//   GET    /v1/query                 list → [query]
//   GET    /v1/query/:id             one → [query] (a list of one); 404 "Query not found"
//   PUT    /v1/query/:id             update (the ID from the URL wins) → empty 200
//   DELETE /v1/query/:id             delete → empty 200
//   GET    /v1/query/:id/execute     run by ID or name (?near, ?limit, ?connect) → results + QueryMeta fields
//   GET    /v1/query/:id/explain     the query a name resolves to, rendered → {"Query": ...}
//
// Execute and explain answer a plain-text 404 "Query not found" when nothing matches.

import { badRequest, TaxiwayError } from '../../lib/errors.js';
import type { QueryMeta } from '../../rpc/protocol.js';
import { decodePreparedQuery } from '../../structs/prepared-query.js';
import { first, has, parseGoBool, type QueryParams } from '../query-options.js';
import { empty, json, type HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, type Route, writeOptionsOf } from '../route.js';

function decodeBody(body: Buffer | undefined, required: boolean): ReturnType<typeof decodePreparedQuery> {
  if (body === undefined || body.length === 0) {
    if (required) throw badRequest('Request decode failed: EOF');
    return decodePreparedQuery({});
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`Request decode failed: ${(error as Error).message}`);
  }
  return decodePreparedQuery(parsed);
}

/** The QueryMeta fields Consul's execute and explain replies embed in their JSON. */
function metaFields(meta: QueryMeta): Record<string, unknown> {
  return {
    Index: Math.max(1, meta.index),
    LastContact: meta.lastContactMs * 1e6,
    KnownLeader: meta.knownLeader,
    ConsistencyLevel: meta.consistency,
    NotModified: false,
    Backend: 0,
    ResultsFilteredByACLs: false,
  };
}

function limitOf(params: QueryParams): number {
  const text = first(params, 'limit');
  if (text === '') return 0;
  if (!/^[+-]?\d+$/.test(text)) throw new TaxiwayError('internal', `Bad limit: strconv.Atoi: parsing "${text}": invalid syntax`);
  return Number(text);
}

/** The client's address for Near "_ip": the first X-Forwarded-For hop, as Consul's parseSource reads it. */
function sourceIpOf(request: ApiRequest): string {
  const forwarded = request.headers['x-forwarded-for'];
  const text = Array.isArray(forwarded) ? forwarded[0] : forwarded;
  return text?.split(',')[0]?.trim() ?? '';
}

function runArgs(request: ApiRequest, idOrName: string) {
  return {
    ...queryOptionsOf(request),
    idOrName,
    agentNode: request.agent.config.nodeName,
    near: first(request.params, 'near'),
    sourceIp: sourceIpOf(request),
  };
}

async function create(request: ApiRequest): Promise<HttpResult> {
  const query = decodeBody(request.body, true);
  const id = await request.agent.rpc.call('PreparedQuery.Apply', { ...writeOptionsOf(request), op: 'create', query });
  return json({ ID: id });
}

async function list(request: ApiRequest): Promise<HttpResult> {
  const reply = await request.agent.rpc.call('PreparedQuery.List', queryOptionsOf(request), request.signal);
  return { kind: 'query', value: reply.value, meta: reply.meta };
}

/** "id/execute" → ["id", "execute"]; "id" → ["id", ""]. */
function splitAction(rest: string): [string, '' | 'execute' | 'explain'] {
  for (const action of ['execute', 'explain'] as const) if (rest.endsWith(`/${action}`)) return [rest.slice(0, -action.length - 1), action];
  return [rest, ''];
}

function methodNotAllowed(method: string): never {
  throw new TaxiwayError('method_not_allowed', `method ${method} not allowed`, { Allow: 'GET' });
}

async function get(request: ApiRequest): Promise<HttpResult> {
  const [id, action] = splitAction(request.pathRest);
  if (action === 'execute') {
    const connect = has(request.params, 'connect') && parseGoBool(first(request.params, 'connect') || 'true') === true;
    const args = { ...runArgs(request, id), limit: limitOf(request.params), connect };
    const reply = await request.agent.rpc.call('PreparedQuery.Execute', args, request.signal);
    return { kind: 'query', value: { ...reply.value, ...metaFields(reply.meta) }, meta: reply.meta };
  }
  if (action === 'explain') {
    const reply = await request.agent.rpc.call('PreparedQuery.Explain', runArgs(request, id), request.signal);
    return { kind: 'query', value: { Query: reply.value, ...metaFields(reply.meta) }, meta: reply.meta };
  }
  const reply = await request.agent.rpc.call('PreparedQuery.Get', { ...queryOptionsOf(request), id }, request.signal);
  return { kind: 'query', value: reply.value, meta: reply.meta };
}

async function update(request: ApiRequest): Promise<HttpResult> {
  const [id, action] = splitAction(request.pathRest);
  if (action !== '') methodNotAllowed('PUT');
  const query = { ...decodeBody(request.body, false), ID: id };
  await request.agent.rpc.call('PreparedQuery.Apply', { ...writeOptionsOf(request), op: 'update', query });
  return empty;
}

async function remove(request: ApiRequest): Promise<HttpResult> {
  const [id, action] = splitAction(request.pathRest);
  if (action !== '') methodNotAllowed('DELETE');
  await request.agent.rpc.call('PreparedQuery.Apply', { ...writeOptionsOf(request), op: 'delete', query: { ...decodePreparedQuery({}), ID: id } });
  return empty;
}

export const preparedQueryRoutes: readonly Route[] = [
  { method: 'POST', path: '/v1/query', handler: create },
  { method: 'GET', path: '/v1/query', handler: list },
  { method: 'GET', path: '/v1/query/*', handler: get },
  { method: 'PUT', path: '/v1/query/*', handler: update },
  { method: 'DELETE', path: '/v1/query/*', handler: remove },
];
