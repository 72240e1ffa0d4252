// Prepared queries as Consul keeps and serves them (structs.PreparedQuery): a named, stored
// service lookup (service, tags with "!tag" exclusions, health and meta filters, Near sorting,
// failover datacenters, a DNS TTL) that clients run by ID or name over HTTP
// (/v1/query/:id/execute) and DNS (<name>.query.<domain>). A query with a Template answers every
// name that starts with its Name, rendered per name (prepared-query-template.ts).
//
// Decoding follows Go's encoding/json as Consul's decodeBody uses it: field names match
// case-insensitively, unknown fields are ignored, a wrong type is a 400. Validation (Consul's
// parseQuery) happens on the server before proposing; the state store checks what needs the
// table (name aliases, the session, the template).

import { badRequest } from '../lib/errors.js';
import { parseGoDuration } from '../lib/duration.js';
import { validateMeta } from './validate.js';

export interface QueryTemplate {
  /** "" for a plain query; "name_prefix_match" for a template. */
  readonly Type: string;
  /** An RE2 expression matched against the full name; its groups are ${match(N)}. */
  readonly Regexp: string;
  /** Drop tags that render empty (a "${match(2)}" with no second group). */
  readonly RemoveEmptyTags: boolean;
}

export interface QueryFailover {
  /** Fail over to this many nearest datacenters (by RTT); 0 = none. */
  readonly NearestN: number;
  /** Then these, in order. */
  readonly Datacenters: readonly string[] | null;
  readonly Targets: readonly Readonly<Record<string, unknown>>[] | null;
}

export interface ServiceQuery {
  readonly Service: string;
  readonly Failover: QueryFailover;
  /** Checks whose status does not count when filtering on health. */
  readonly IgnoreCheckIDs: readonly string[] | null;
  readonly OnlyPassing: boolean;
  /** A node name, "_agent" (the asking agent) or "_ip" (the node with the asker's address). */
  readonly Near: string;
  /** Every tag must be present, every "!tag" absent (case-insensitively). */
  readonly Tags: readonly string[] | null;
  readonly NodeMeta: Readonly<Record<string, string>> | null;
  readonly ServiceMeta: Readonly<Record<string, string>> | null;
  readonly Peer: string;
  readonly Connect: { readonly Enabled: boolean };
}

/** One stored query, fields in Consul's JSON order. */
export interface PreparedQuery {
  readonly ID: string;
  readonly Name: string;
  readonly Session: string;
  readonly Token: string;
  readonly Template: QueryTemplate;
  readonly Service: ServiceQuery;
  readonly DNS: { readonly TTL: string };
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export const templateTypeNamePrefixMatch = 'name_prefix_match';
/** What Consul shows instead of a query's Token to a caller that may not see it. */
export const redactedToken = '<hidden>';

const uuidPattern = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

export function isUuid(text: string): boolean {
  return text.length === 36 && uuidPattern.test(text);
}

export function isTemplate(query: Pick<PreparedQuery, 'Template'>): boolean {
  return query.Template.Type !== '';
}

type Json = Record<string, unknown>;

/** The value of `field` in `object`, matched as Go's encoding/json does (exact, else case-folded). */
function field(object: Json, name: string): unknown {
  if (name in object) return object[name];
  const folded = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === folded) return object[key];
  return undefined;
}

function decodeError(path: string, want: string): never {
  throw badRequest(`Request decode failed: json: cannot unmarshal into Go struct field ${path} of type ${want}`);
}

function objectAt(value: unknown, path: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) decodeError(path, 'struct');
  return value as Json;
}

function stringAt(object: Json, name: string, path: string): string {
  const value = field(object, name);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') decodeError(`${path}.${name}`, 'string');
  return value;
}

function boolAt(object: Json, name: string, path: string): boolean {
  const value = field(object, name);
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') decodeError(`${path}.${name}`, 'bool');
  return value;
}

function intAt(object: Json, name: string, path: string): number {
  const value = field(object, name);
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) decodeError(`${path}.${name}`, 'int');
  return value;
}

function stringsAt(object: Json, name: string, path: string): string[] | null {
  const value = field(object, name);
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) decodeError(`${path}.${name}`, '[]string');
  return value as string[];
}

function stringMapAt(object: Json, name: string, path: string): Record<string, string> | null {
  const value = field(object, name);
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((item) => typeof item !== 'string')) decodeError(`${path}.${name}`, 'map[string]string');
  return { ...(value as Record<string, string>) };
}

function decodeService(value: unknown): ServiceQuery {
  const path = 'PreparedQuery.Service';
  const object = objectAt(value, path);
  const failover = objectAt(field(object, 'Failover'), `${path}.Failover`);
  const targets = field(failover, 'Targets');
  if (targets !== undefined && targets !== null && !Array.isArray(targets)) decodeError(`${path}.Failover.Targets`, '[]QueryFailoverTarget');
  return {
    Service: stringAt(object, 'Service', path),
    Failover: {
      NearestN: intAt(failover, 'NearestN', `${path}.Failover`),
      Datacenters: stringsAt(failover, 'Datacenters', `${path}.Failover`),
      Targets: (targets ?? null) as QueryFailover['Targets'],
    },
    IgnoreCheckIDs: stringsAt(object, 'IgnoreCheckIDs', path),
    OnlyPassing: boolAt(object, 'OnlyPassing', path),
    Near: stringAt(object, 'Near', path),
    Tags: stringsAt(object, 'Tags', path),
    NodeMeta: stringMapAt(object, 'NodeMeta', path),
    ServiceMeta: stringMapAt(object, 'ServiceMeta', path),
    Peer: stringAt(object, 'Peer', path),
    Connect: { Enabled: boolAt(objectAt(field(object, 'Connect'), `${path}.Connect`), 'Enabled', `${path}.Connect`) },
  };
}

/** A request body (already JSON-parsed) → a query with indexes 0; the ID as given ("" on create). */
export function decodePreparedQuery(body: unknown): PreparedQuery {
  const path = 'PreparedQuery';
  const object = objectAt(body, path);
  const template = objectAt(field(object, 'Template'), `${path}.Template`);
  const dns = objectAt(field(object, 'DNS'), `${path}.DNS`);
  return {
    ID: stringAt(object, 'ID', path),
    Name: stringAt(object, 'Name', path),
    Session: stringAt(object, 'Session', path),
    Token: stringAt(object, 'Token', path),
    Template: {
      Type: stringAt(template, 'Type', `${path}.Template`),
      Regexp: stringAt(template, 'Regexp', `${path}.Template`),
      RemoveEmptyTags: boolAt(template, 'RemoveEmptyTags', `${path}.Template`),
    },
    Service: decodeService(field(object, 'Service')),
    DNS: { TTL: stringAt(dns, 'TTL', `${path}.DNS`) },
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/**
 * Consul's parseQuery: what can be checked without the table. The template itself is compiled by
 * the state store (prepared-query-template.ts), the name's uniqueness checked there too.
 */
export function validatePreparedQuery(query: PreparedQuery): void {
  const invalid = (message: string): never => {
    throw badRequest(`Invalid prepared query: ${message}`);
  };
  if (query.Name === '' && query.Template.Type === '' && query.Session === '') invalid('Must be bound to a session');
  if (query.Token === redactedToken) invalid(`Bad Token '${query.Token}', it looks like a query definition with a redacted token was submitted`);
  if (query.Service.Service === '') invalid('Must provide a Service name to query');
  if (query.Service.Failover.NearestN < 0) invalid(`Bad NearestN '${query.Service.Failover.NearestN}', must be >= 0`);
  if (query.Service.NodeMeta !== null) {
    try {
      validateMeta(query.Service.NodeMeta, 'node', true);
    } catch (error) {
      invalid((error as Error).message);
    }
  }
  if (query.DNS.TTL !== '') {
    const ttlMs = parseGoDuration(query.DNS.TTL);
    if (ttlMs === undefined) return invalid(`Bad DNS TTL '${query.DNS.TTL}': time: invalid duration "${query.DNS.TTL}"`);
    if (ttlMs < 0) invalid(`DNS TTL '${query.DNS.TTL}', must be >=0`);
  }
}

/** The TTL a DNS answer from this query carries, in seconds; undefined = the service_ttl rules. */
export function queryDnsTtlSeconds(dns: { readonly TTL: string }): number | undefined {
  if (dns.TTL === '') return undefined;
  const ms = parseGoDuration(dns.TTL);
  return ms === undefined ? undefined : Math.max(0, Math.floor(ms / 1000));
}
