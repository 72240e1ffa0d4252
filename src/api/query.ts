// What goes out with a read (query parameters) and what comes back beside its body (the X-Consul-*
// headers), in the shapes Consul's api client uses: QueryOptions and QueryMeta.

import { formatGoDuration } from '../lib/duration.js';

export interface QueryOptions {
  /** ?dc=; overrides the client's -datacenter. */
  readonly datacenter?: string;
  /** ?stale: any server may answer. Overrides the client's -stale. */
  readonly stale?: boolean;
  /** ?consistent: the leader confirms its leadership before answering. */
  readonly consistent?: boolean;
  /** ?index=: block until the result's index passes this one (a blocking query). */
  readonly index?: number;
  /** ?wait= for a blocking query, in milliseconds. */
  readonly waitMs?: number;
  /** ?filter= expression. */
  readonly filter?: string;
  /** ?near= node name to sort by round-trip time ("_agent" for this agent). */
  readonly near?: string;
  /** ?node-meta=key:value, one parameter per pair. */
  readonly nodeMeta?: Readonly<Record<string, string>>;
  /** Endpoint-specific parameters (?tag=, ?passing=, ?recurse=, ...); flags take the value "". */
  readonly params?: Readonly<Record<string, string | readonly string[]>>;
}

/** The X-Consul-* headers of an answer. Absent headers give the zero values. */
export interface QueryMeta {
  /** X-Consul-Index: pass back as `index` to block until the result changes. 0 when absent. */
  readonly lastIndex: number;
  /** X-Consul-LastContact: milliseconds since the answering server heard from the leader. */
  readonly lastContactMs: number;
  /** X-Consul-KnownLeader. */
  readonly knownLeader: boolean;
  readonly contentHash: string;
  readonly translateAddresses: boolean;
  /** X-Consul-Default-ACL-Policy: "allow", "deny" or "". */
  readonly defaultAclPolicy: string;
  /** X-Cache: HIT when the agent's cache answered. */
  readonly cacheHit: boolean;
  /** Age, in seconds, of a cached answer. */
  readonly cacheAgeSeconds: number;
  /** X-Consul-Query-Backend: "blocking-query", "streaming" or "". */
  readonly queryBackend: string;
}

/**
 * The query string for a request, keys sorted as Go's url.Values.Encode sorts them so that the
 * same options always give the same URL. `defaults` are the client-wide -datacenter and -stale.
 */
export function encodeQuery(options: QueryOptions, defaults: { datacenter: string; stale: boolean }): string {
  const pairs: [string, string][] = [];
  const datacenter = options.datacenter ?? defaults.datacenter;
  if (datacenter !== '') pairs.push(['dc', datacenter]);
  if (options.stale ?? defaults.stale) pairs.push(['stale', '']);
  if (options.consistent === true) pairs.push(['consistent', '']);
  if (options.index !== undefined && options.index > 0) pairs.push(['index', String(options.index)]);
  if (options.waitMs !== undefined) pairs.push(['wait', formatWait(options.waitMs)]);
  if (options.filter !== undefined && options.filter !== '') pairs.push(['filter', options.filter]);
  if (options.near !== undefined && options.near !== '') pairs.push(['near', options.near]);
  for (const [key, value] of Object.entries(options.nodeMeta ?? {})) pairs.push(['node-meta', `${key}:${value}`]);
  for (const [key, value] of Object.entries(options.params ?? {})) {
    for (const item of typeof value === 'string' ? [value] : value) pairs.push([key, item]);
  }
  // A stable sort keeps repeated keys (node-meta) in the order given.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
}

/** Consul's api client sends waits in whole milliseconds ("5000ms"); the server takes any Go duration. */
function formatWait(waitMs: number): string {
  return Number.isInteger(waitMs) ? `${waitMs}ms` : formatGoDuration(waitMs);
}

/** Reads the meta headers; undici gives header names in lower case. */
export function parseQueryMeta(headers: Readonly<Record<string, string | string[] | undefined>>): QueryMeta {
  const header = (name: string): string => {
    const value = headers[name];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  };
  return {
    lastIndex: nonNegativeInteger(header('x-consul-index')),
    lastContactMs: nonNegativeInteger(header('x-consul-lastcontact')),
    knownLeader: header('x-consul-knownleader') === 'true',
    contentHash: header('x-consul-contenthash'),
    translateAddresses: header('x-consul-translate-addresses') === 'true',
    defaultAclPolicy: header('x-consul-default-acl-policy'),
    cacheHit: header('x-cache') === 'HIT',
    cacheAgeSeconds: nonNegativeInteger(header('age')),
    queryBackend: header('x-consul-query-backend'),
  };
}

/** A malformed number header is treated as absent, as Consul's client ignores LastContact errors. */
function nonNegativeInteger(text: string): number {
  if (!/^\d+$/.test(text)) return 0;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : 0;
}
