// Query parameters → QueryOptions, with Consul's parsing rules and error texts (agent/http.go
// parseWait, parseConsistency, parseTokenInternal, http_ce.go). Consul's boolean flags are
// presence-based: ?stale and ?stale=anything both mean stale.

import { badRequest } from '../lib/errors.js';
export { parseGoBool } from '../lib/go-bool.js';
import { parseGoDuration } from '../lib/duration.js';
import type { NodeMetaFilter, QueryOptions, WriteOptions } from '../rpc/protocol.js';

/** The query string as fastify parses it: a key maps to a string, or an array when repeated. */
export type QueryParams = Readonly<Record<string, string | string[] | undefined>>;

export function has(params: QueryParams, key: string): boolean {
  return params[key] !== undefined;
}

/** The first value of a parameter ("" when absent). */
export function first(params: QueryParams, key: string): string {
  const value = params[key];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Every value of a repeatable parameter (?tag=a&tag=b). */
export function all(params: QueryParams, key: string): string[] {
  const value = params[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Token precedence: ?token= > X-Consul-Token > Authorization: Bearer > the agent's default token. */
export function tokenOf(params: QueryParams, headers: Readonly<Record<string, string | string[] | undefined>>, defaultToken: string): string {
  const fromQuery = first(params, 'token');
  if (fromQuery !== '') return fromQuery;
  const fromHeader = headers['x-consul-token'];
  if (typeof fromHeader === 'string' && fromHeader !== '') return fromHeader;
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const [scheme, token] = authorization.trim().split(/\s+/);
    if (scheme?.toLowerCase() === 'bearer' && token !== undefined && token !== '') return token;
  }
  return defaultToken;
}

/** Namespaces and partitions are Enterprise features; CE refuses them with these words. */
export function rejectEnterpriseParams(params: QueryParams, headers: Readonly<Record<string, string | string[] | undefined>>): void {
  if (headers['x-consul-namespace'] !== undefined && headers['x-consul-namespace'] !== '') {
    throw badRequest('Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature');
  }
  if (first(params, 'ns') !== '') throw badRequest('Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature');
  if (headers['x-consul-partition'] !== undefined && headers['x-consul-partition'] !== '') {
    throw badRequest('Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature');
  }
  if (first(params, 'partition') !== '') throw badRequest('Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature');
}

/** ?index= and ?wait= (blocking). */
export function parseWait(params: QueryParams): { minQueryIndex: number; maxQueryTimeMs: number } {
  const waitText = first(params, 'wait');
  const indexText = first(params, 'index');
  let maxQueryTimeMs = 0;
  if (waitText !== '') {
    const ms = parseGoDuration(waitText);
    if (ms === undefined) throw badRequest('Invalid wait time');
    // A negative wait means the default, as in Consul.
    maxQueryTimeMs = Math.max(0, ms);
  }
  let minQueryIndex = 0;
  if (indexText !== '') {
    // Consul's indexes are uint64. Ours stay far below 2^53, so a larger ?index= (a client that
    // reset to a huge value) is clamped: it lies in the future and simply blocks until ?wait.
    if (!/^\d{1,20}$/.test(indexText) || BigInt(indexText) > 0xffff_ffff_ffff_ffffn) throw badRequest('Invalid index');
    minQueryIndex = Math.min(Number(indexText), Number.MAX_SAFE_INTEGER);
  }
  return { minQueryIndex, maxQueryTimeMs };
}

function parseConsistency(params: QueryParams): { allowStale: boolean; requireConsistent: boolean; maxStaleMs: number } {
  let allowStale = has(params, 'stale');
  const requireConsistent = has(params, 'consistent');
  let maxStaleMs = 0;
  const maxStaleText = first(params, 'max_stale');
  if (maxStaleText !== '') {
    const ms = parseGoDuration(maxStaleText);
    if (ms === undefined) throw badRequest(`Invalid max_stale value ${JSON.stringify(maxStaleText)}`);
    maxStaleMs = ms;
    if (ms > 0) allowStale = true;
  }
  if (allowStale && requireConsistent) throw badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
  if (has(params, 'cached') && requireConsistent) throw badRequest('Cannot specify ?cached with ?consistent, conflicting semantics.');
  return { allowStale, requireConsistent, maxStaleMs };
}

export interface RequestBasics {
  readonly params: QueryParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly defaultToken: string;
}

/** Everything a read needs from the query string, in Consul's order: dc, token, filter, consistency, wait. */
export function parseQueryOptions({ params, headers, defaultToken }: RequestBasics): QueryOptions {
  rejectEnterpriseParams(params, headers);
  return {
    datacenter: first(params, 'dc'),
    token: tokenOf(params, headers, defaultToken),
    filter: first(params, 'filter'),
    ...parseConsistency(params),
    ...parseWait(params),
  };
}

export function parseWriteOptions({ params, headers, defaultToken }: RequestBasics): WriteOptions {
  rejectEnterpriseParams(params, headers);
  return { datacenter: first(params, 'dc'), token: tokenOf(params, headers, defaultToken) };
}

/** ?node-meta=key:value, repeatable; split at the first colon, a value without one is "". */
export function parseNodeMeta(params: QueryParams): NodeMetaFilter {
  const out: Record<string, string> = {};
  for (const pair of all(params, 'node-meta')) {
    const colon = pair.indexOf(':');
    const [key, value] = colon === -1 ? [pair, ''] : [pair.slice(0, colon), pair.slice(colon + 1)];
    // defineProperty: a key "__proto__" must stay a key to match on.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
