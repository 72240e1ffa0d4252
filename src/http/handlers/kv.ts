// /v1/kv/<key>: GET (one key, ?recurse, ?keys with ?separator, ?raw), PUT (?flags, ?cas,
// ?acquire, ?release; the body is the value) and DELETE (?recurse, ?cas), with Consul's answers
// (agent/kvs_endpoint.go): a missing key is a 404 with an empty body but with X-Consul-Index, so
// that a client can block until it appears.

import { TaxiwayError, badRequest } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { KvFlags, KvWrite, KvWriteVerb } from '../../structs/kv.js';
import { first, has, type QueryParams } from '../query-options.js';
import { json, type HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, type Route, writeOptionsOf } from '../route.js';

const emptyBody = Buffer.alloc(0);

/** Path traversal is the one thing refused in a key (Consul's CVE-2025-11392 fix), also percent-encoded. */
const traversal = /(^|\/)\.\.(\/|\\|$)|\.\.\\|%2e%2e(%2f|\/|%5c)|\.\.%2f/i;

function keyOf(request: ApiRequest): string {
  const key = request.pathRest;
  if (traversal.test(key)) throw badRequest('key contains path traversal sequence');
  return key;
}

/** Consul refuses two of these flags together and lists the query string, sorted, in its answer. */
function refuseConflictingFlags(params: QueryParams, flags: readonly string[]): void {
  if (flags.filter((flag) => has(params, flag)).length < 2) return;
  throw badRequest(`Conflicting flags: ${encodeSorted(params)}\n`);
}

/** Go's url.Values.Encode(): keys sorted, each value escaped as a query component. */
function encodeSorted(params: QueryParams): string {
  const pairs: string[] = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    for (const item of Array.isArray(value) ? value : [value ?? '']) pairs.push(`${encodeQuery(key)}=${encodeQuery(item)}`);
  }
  return pairs.join('&');
}

function encodeQuery(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+');
}

/** A uint64 query parameter (Go's strconv.ParseUint and its errors): a number, or a BigInt above 2^53. */
function uint64Param(params: QueryParams, name: string): KvFlags {
  const text = first(params, name);
  if (!/^\d+$/.test(text)) throw badRequest(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = BigInt(text);
  if (value > 0xffff_ffff_ffff_ffffn) throw badRequest(`strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** A raft index parameter: a uint64 on the wire, but ours stay below 2^53, so a larger one matches nothing. */
function indexParam(params: QueryParams, name: string): number {
  const value = uint64Param(params, name);
  return typeof value === 'number' ? value : Number.MAX_SAFE_INTEGER;
}

export function kvTooLarge(contentLengthBytes: number): TaxiwayError {
  return new TaxiwayError(
    'payload_too_large',
    `Request body(${contentLengthBytes} bytes) too large, max size: ${limits.kvValueBytesMax} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
  );
}

async function get(request: ApiRequest): Promise<HttpResult> {
  const key = keyOf(request);
  const { params } = request;
  const options = queryOptionsOf(request);
  if (has(params, 'keys')) {
    const separator = has(params, 'separator') ? first(params, 'separator') : first(params, 'seperator');
    const reply = await request.agent.rpc.call('KVS.ListKeys', { ...options, prefix: key, separator }, request.signal);
    // The root is never "not found": an empty store lists [].
    if (reply.value.length === 0 && key !== '') return { kind: 'raw', status: 404, body: emptyBody, meta: reply.meta };
    return { kind: 'query', value: reply.value, meta: reply.meta };
  }
  const recurse = has(params, 'recurse');
  if (!recurse && key === '') throw badRequest('Missing key name');
  const reply = recurse
    ? await request.agent.rpc.call('KVS.List', { ...options, prefix: key }, request.signal)
    : await request.agent.rpc.call('KVS.Get', { ...options, key }, request.signal);
  const [entry] = reply.value;
  if (entry === undefined) return { kind: 'raw', status: 404, body: emptyBody, meta: reply.meta };
  if (has(params, 'raw') && !recurse) {
    // The stored value as it is, with headers that stop a browser from running it.
    const body = entry.Value === null ? emptyBody : Buffer.from(entry.Value, 'base64');
    const headers = { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': 'sandbox' };
    return { kind: 'raw', status: 200, body, contentType: 'text/plain', headers, meta: reply.meta };
  }
  return { kind: 'query', value: reply.value, meta: reply.meta };
}

async function put(request: ApiRequest): Promise<HttpResult> {
  const key = keyOf(request);
  const { params } = request;
  const options = writeOptionsOf(request);
  if (key === '') throw badRequest('Missing key name');
  refuseConflictingFlags(params, ['cas', 'acquire', 'release']);
  let verb: KvWriteVerb = 'set';
  let session = '';
  let index = 0;
  if (has(params, 'cas')) [verb, index] = ['cas', indexParam(params, 'cas')];
  if (has(params, 'acquire')) [verb, session] = ['lock', first(params, 'acquire')];
  if (has(params, 'release')) [verb, session] = ['unlock', first(params, 'release')];
  const flags = has(params, 'flags') ? uint64Param(params, 'flags') : 0;
  const body = request.body ?? emptyBody;
  if (body.length > limits.kvValueBytesMax) throw kvTooLarge(body.length);
  const write: KvWrite = { verb, key, value: body.length === 0 ? null : body, flags, session, index };
  const applied = await request.agent.rpc.call('KVS.Apply', { ...options, write });
  return json(verb === 'set' ? true : applied);
}

async function remove(request: ApiRequest): Promise<HttpResult> {
  const key = keyOf(request);
  const { params } = request;
  const options = writeOptionsOf(request);
  refuseConflictingFlags(params, ['recurse', 'cas']);
  const recurse = has(params, 'recurse');
  if (!recurse && key === '') throw badRequest('Missing key name');
  const cas = has(params, 'cas');
  const verb: KvWriteVerb = recurse ? 'delete-tree' : cas ? 'delete-cas' : 'delete';
  const write: KvWrite = { verb, key, value: null, flags: 0, session: '', index: cas ? indexParam(params, 'cas') : 0 };
  const applied = await request.agent.rpc.call('KVS.Apply', { ...options, write });
  return json(verb === 'delete-cas' ? applied : true);
}

export const kvRoutes: readonly Route[] = [
  { method: 'GET', path: '/v1/kv/*', handler: get },
  { method: 'PUT', path: '/v1/kv/*', handler: put, bodyTooLarge: kvTooLarge },
  { method: 'DELETE', path: '/v1/kv/*', handler: remove },
];
