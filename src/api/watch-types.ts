// The watch types of Consul's api/watch (funcs.go): what each one reads, which parameters it
// takes, and the errors its parser gives. A watch is a blocking read repeated by watch.ts.

import { parseGoBool } from '../lib/go-bool.js';
import { pathSegment, type ApiClient } from './client.js';
import { eventIndexOf, listEvents } from './event.js';
import { getKv, listKv } from './kv.js';
import type { QueryOptions } from './query.js';

export type WatchParams =
  | { readonly type: 'key'; readonly key: string; readonly stale: boolean }
  | { readonly type: 'keyprefix'; readonly prefix: string; readonly stale: boolean }
  | { readonly type: 'services'; readonly stale: boolean }
  | { readonly type: 'nodes'; readonly stale: boolean }
  | { readonly type: 'service'; readonly service: string; readonly tags: readonly string[]; readonly passingOnly: boolean; readonly stale: boolean }
  | { readonly type: 'checks'; readonly service: string; readonly state: string; readonly tags: readonly string[]; readonly stale: boolean }
  | { readonly type: 'event'; readonly name: string };

export type WatchType = WatchParams['type'];

/** The raw parameters, as Consul's watch command collects them from its flags (unset ones absent). */
export interface WatchInput {
  readonly type: string;
  readonly key?: string;
  readonly prefix?: string;
  readonly service?: string;
  readonly tag?: string;
  /** Text, parsed as Go's strconv.ParseBool. */
  readonly passingonly?: string;
  readonly state?: string;
  readonly name?: string;
  readonly stale?: boolean;
}

/** The parameters each type consumes; any other one given is refused (Consul's "Invalid parameters"). */
const consumedParameters: Readonly<Record<WatchType, readonly string[]>> = {
  key: ['key', 'stale'],
  keyprefix: ['prefix', 'stale'],
  services: ['stale'],
  nodes: ['stale'],
  service: ['service', 'tag', 'passingonly', 'stale'],
  checks: ['service', 'state', 'tag', 'stale'],
  event: ['name'],
};

function isWatchType(type: string): type is WatchType {
  return Object.hasOwn(consumedParameters, type);
}

/** Consul's watch.Parse for the types taxiway serves: the params, or the one-line error Consul prints. */
export function parseWatchParams(input: WatchInput): { params: WatchParams } | { error: string } {
  if (input.type === '') return { error: 'Watch type must be specified' };
  if (input.passingonly !== undefined && parseGoBool(input.passingonly) === undefined) {
    return { error: `Failed to parse passingonly flag: strconv.ParseBool: parsing ${JSON.stringify(input.passingonly)}: invalid syntax` };
  }
  if (!isWatchType(input.type)) return { error: `Unsupported watch type: ${input.type}` };
  const type = input.type;
  const params = typedParams(type, input);
  if ('error' in params) return params;
  const given = (['key', 'prefix', 'service', 'tag', 'passingonly', 'state', 'name'] as const).filter((name) => input[name] !== undefined);
  if (input.stale === true) given.push('stale' as never);
  const unused = given.filter((name) => !consumedParameters[type].includes(name)).sort();
  if (unused.length > 0) return { error: `Invalid parameters: [${unused.join(' ')}]` };
  return params;
}

function typedParams(type: WatchType, input: WatchInput): { params: WatchParams } | { error: string } {
  const stale = input.stale === true;
  const tags = input.tag === undefined ? [] : [input.tag];
  switch (type) {
    case 'key':
      return (input.key ?? '') === '' ? { error: 'Must specify a single key to watch' } : { params: { type, key: input.key as string, stale } };
    case 'keyprefix':
      return (input.prefix ?? '') === '' ? { error: 'Must specify a single prefix to watch' } : { params: { type, prefix: input.prefix as string, stale } };
    case 'services':
    case 'nodes':
      return { params: { type, stale } };
    case 'service':
      if ((input.service ?? '') === '') return { error: 'Must specify a single service to watch' };
      return { params: { type, service: input.service as string, tags, passingOnly: parseGoBool(input.passingonly ?? 'false') === true, stale } };
    case 'checks': {
      const service = input.service ?? '';
      const state = input.state ?? '';
      if (service !== '' && state !== '') return { error: 'Cannot specify service and state' };
      return { params: { type, service, state: service === '' && state === '' ? 'any' : state, tags, stale } };
    }
    case 'event':
      return { params: { type, name: input.name ?? '' } };
  }
}

/** One answer of a watch's read: the blocking index to pass next, and the value handed to handlers. */
export interface WatchResult {
  readonly index: number;
  readonly value: unknown;
}

/**
 * Reads what `params` watches, blocking while its index is still `lastIndex` (0: at once).
 * `lastIndex` is also how the event type finds the events already seen.
 */
export async function readWatched(client: ApiClient, params: WatchParams, lastIndex: number, signal: AbortSignal): Promise<WatchResult> {
  const query: QueryOptions = { index: lastIndex, ...('stale' in params && params.stale ? { stale: true } : {}) };
  const options = { query, signal };
  switch (params.type) {
    case 'key': {
      const result = await getKv(client, params.key, query, signal);
      return { index: result.meta.lastIndex, value: result.value };
    }
    case 'keyprefix': {
      const result = await listKv(client, params.prefix, query, signal);
      return { index: result.meta.lastIndex, value: result.value };
    }
    case 'services':
    case 'nodes': {
      const result = await client.query<unknown>(`/v1/catalog/${params.type}`, options);
      return { index: result.meta.lastIndex, value: result.value };
    }
    case 'service': {
      const query2 = { ...query, params: { ...(params.tags.length > 0 ? { tag: params.tags } : {}), ...(params.passingOnly ? { passing: '1' } : {}) } };
      const result = await client.query<unknown>(`/v1/health/service/${pathSegment(params.service)}`, { query: query2, signal });
      return { index: result.meta.lastIndex, value: result.value };
    }
    case 'checks': {
      const path = params.state !== '' ? `/v1/health/state/${pathSegment(params.state)}` : `/v1/health/checks/${pathSegment(params.service)}`;
      const tagged = params.state !== '' && params.tags.length > 0 ? { ...query, params: { tag: params.tags } } : query;
      const result = await client.query<unknown>(path, { query: tagged, signal });
      return { index: result.meta.lastIndex, value: result.value };
    }
    case 'event': {
      const result = await listEvents(client, params.name, { index: lastIndex }, signal);
      // Only the events after the last one seen (all of them on the first read), as Consul's eventWatch.
      const seen = result.value.findIndex((event) => eventIndexOf(event.ID) === lastIndex);
      return { index: result.meta.lastIndex, value: seen < 0 ? result.value : result.value.slice(seen + 1) };
    }
  }
}
