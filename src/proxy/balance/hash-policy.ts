// A request's hash from service-resolver LoadBalancer.HashPolicies, as Envoy's route hash
// policies: each policy in order hashes its field (a header, a cookie, a query parameter, or the
// client's IP with SourceIP); several hashes combine (combineHashes); a Terminal policy that
// produced a hash stops the walk. No hash at all → the hash picker picks at random.
//
// Cookie policy with CookieConfig.TTL (or Session): when the request has no such cookie the proxy
// makes one, as Envoy does: its value is a hash of the client's address and port (so it is
// deterministic, no randomness), the request is hashed by it, and the response carries
// `Set-Cookie: name="value"; Max-Age=<ttl>; Path=<path>; HttpOnly` (no Max-Age for Session).

import { parseGoDuration } from '../../lib/duration.js';
import { combineHashes, hash32 } from './hash.js';

type Fields = Readonly<Record<string, unknown>>;

export interface HashPolicy {
  /** "" with sourceIp. */
  readonly field: 'header' | 'cookie' | 'query_parameter' | '';
  /** The header, cookie or parameter name. */
  readonly fieldValue: string;
  readonly sourceIp: boolean;
  readonly terminal: boolean;
  /** Cookie generation: undefined = never generate (hash only when the cookie is present). */
  readonly cookie?: { readonly session: boolean; readonly ttlSeconds: number; readonly path: string };
}

export interface HashFacts {
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Path and query. */
  readonly path: string;
  /** The downstream client's address ("" when unknown) and port. */
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface RequestHash {
  readonly hash: number | undefined;
  /** A Set-Cookie value to add to the response (generated cookie). */
  readonly setCookie?: string;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export function parseHashPolicies(list: unknown): HashPolicy[] {
  if (!Array.isArray(list)) return [];
  return (list as Fields[]).map((policy) => {
    const field = str(policy.Field);
    const cookieConfig = (policy.CookieConfig ?? undefined) as Fields | undefined;
    const ttl = cookieConfig?.TTL;
    const ttlMs = typeof ttl === 'string' ? (parseGoDuration(ttl) ?? 0) : typeof ttl === 'number' ? ttl / 1e6 : 0;
    const session = cookieConfig?.Session === true;
    return {
      field: field === 'header' || field === 'cookie' || field === 'query_parameter' ? field : '',
      fieldValue: str(policy.FieldValue),
      sourceIp: policy.SourceIP === true,
      terminal: policy.Terminal === true,
      ...(field === 'cookie' && (session || ttlMs > 0) ? { cookie: { session, ttlSeconds: Math.floor(ttlMs / 1000), path: str(cookieConfig?.Path) } } : {}),
    };
  });
}

/** The value of cookie `name` in the Cookie header(s), if any. */
export function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const line of lines) {
    for (const pair of line.split(';')) {
      const at = pair.indexOf('=');
      if (at < 0 || pair.slice(0, at).trim() !== name) continue;
      return pair.slice(at + 1).trim().replace(/^"(.*)"$/u, '$1');
    }
  }
  return undefined;
}

function fieldOf(policy: HashPolicy, facts: HashFacts): { value?: string; setCookie?: string } {
  if (policy.sourceIp) return facts.remoteAddress === '' ? {} : { value: facts.remoteAddress };
  switch (policy.field) {
    case 'header': {
      const value = facts.headers[policy.fieldValue.toLowerCase()];
      return value === undefined ? {} : { value: Array.isArray(value) ? value.join(',') : value };
    }
    case 'query_parameter': {
      const value = new URL(facts.path, 'http://upstream').searchParams.get(policy.fieldValue);
      return value === null ? {} : { value };
    }
    case 'cookie': {
      const value = cookieValue(facts.headers.cookie, policy.fieldValue);
      if (value !== undefined || policy.cookie === undefined) return value === undefined ? {} : { value };
      const generated = hash32(`${facts.remoteAddress}:${facts.remotePort}`).toString(16).padStart(8, '0');
      const parts = [`${policy.fieldValue}="${generated}"`];
      if (!policy.cookie.session) parts.push(`Max-Age=${policy.cookie.ttlSeconds}`);
      if (policy.cookie.path !== '') parts.push(`Path=${policy.cookie.path}`);
      parts.push('HttpOnly');
      return { value: generated, setCookie: parts.join('; ') };
    }
    case '':
      return {};
  }
}

export function requestHash(policies: readonly HashPolicy[], facts: HashFacts): RequestHash {
  let hash: number | undefined;
  let setCookie: string | undefined;
  for (const policy of policies) {
    const found = fieldOf(policy, facts);
    if (found.setCookie !== undefined) setCookie = found.setCookie;
    if (found.value === undefined) continue;
    const next = hash32(found.value);
    hash = hash === undefined ? next : combineHashes(hash, next);
    if (policy.terminal) break;
  }
  return setCookie === undefined ? { hash } : { hash, setCookie };
}
