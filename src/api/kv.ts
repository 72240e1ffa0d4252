// The /v1/kv endpoints (Consul's api.KV): reads that answer null for a missing key (the agent's
// 404 carries X-Consul-Index, so a caller can block until the key appears) and writes whose
// answer is the agent's true/false verdict (CAS, acquire, release).

import { ApiError } from './api-error.js';
import type { ApiClient, QueryResult, RequestOptions } from './client.js';
import { parseQueryMeta, type QueryMeta, type QueryOptions } from './query.js';

/**
 * One entry, fields in the order of Consul's api.KVPair (the order its tools print them in).
 * `Value` is base64 as on the wire, null for an empty value; `Session` "" when no lock is held.
 */
export interface KvPair {
  readonly Key: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
  readonly LockIndex: number;
  readonly Flags: number;
  readonly Value: string | null;
  readonly Session: string;
}

/** What a write sends beside the key: the value bytes, the opaque flags and the CAS/lock inputs. */
export interface KvWriteInput {
  readonly value?: Uint8Array;
  /** A uint64: a BigInt for values above 2^53 (Consul's lock flags). */
  readonly flags?: number | bigint;
}

/** The entry as the agent sends it (structs.DirEntry order, Session omitted when empty). */
interface WireEntry {
  readonly Key: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
  readonly LockIndex: number;
  readonly Flags: number;
  readonly Value: string | null;
  readonly Session?: string;
}

function toKvPair(entry: WireEntry): KvPair {
  return {
    Key: entry.Key,
    CreateIndex: entry.CreateIndex,
    ModifyIndex: entry.ModifyIndex,
    LockIndex: entry.LockIndex,
    Flags: entry.Flags,
    Value: entry.Value ?? null,
    Session: entry.Session ?? '',
  };
}

/** The bytes of a pair's value (empty for null). */
export function kvValueBytes(pair: KvPair): Buffer {
  return pair.Value === null ? Buffer.alloc(0) : Buffer.from(pair.Value, 'base64');
}

/** Consul's keys are paths relative to the root; each segment is escaped but "/" is kept. */
function kvPath(key: string): string {
  return `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A GET on /v1/kv that answers null on 404 (with the 404's meta), as Consul's KV.getInternal
 * does, so that "no such key" is a result and not an error.
 */
async function queryOrMissing<T>(client: ApiClient, key: string, options: RequestOptions): Promise<QueryResult<T | null>> {
  try {
    const response = await client.send('GET', kvPath(key), options);
    return { value: JSON.parse(response.body.toString('utf8')) as T, meta: response.meta };
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 404) return { value: null, meta: error.meta ?? parseQueryMeta({}) };
    throw error;
  }
}

const withQuery = (query: QueryOptions | undefined, params: Record<string, string>, signal: AbortSignal | undefined): RequestOptions => ({
  query: { ...query, params: { ...query?.params, ...params } },
  ...(signal === undefined ? {} : { signal }),
});

/** One key, or null when it does not exist. */
export async function getKv(client: ApiClient, key: string, query?: QueryOptions, signal?: AbortSignal): Promise<QueryResult<KvPair | null>> {
  const result = await queryOrMissing<WireEntry[]>(client, key, withQuery(query, {}, signal));
  const entry = result.value?.[0];
  return { value: entry === undefined ? null : toKvPair(entry), meta: result.meta };
}

/** Every entry under a prefix, sorted by key; null when there are none (the agent's 404, as Consul's KV.List). */
export async function listKv(client: ApiClient, prefix: string, query?: QueryOptions, signal?: AbortSignal): Promise<QueryResult<KvPair[] | null>> {
  const result = await queryOrMissing<WireEntry[]>(client, prefix, withQuery(query, { recurse: '' }, signal));
  return { value: result.value === null ? null : result.value.map(toKvPair), meta: result.meta };
}

/** The keys under a prefix, up to the first `separator` after it ("" for all); [] when none. */
export async function listKvKeys(client: ApiClient, prefix: string, separator: string, query?: QueryOptions): Promise<QueryResult<string[]>> {
  const params: Record<string, string> = { keys: '' };
  if (separator !== '') params.separator = separator;
  const result = await queryOrMissing<string[]>(client, prefix, withQuery(query, params, undefined));
  return { value: result.value ?? [], meta: result.meta };
}

async function kvWrite(client: ApiClient, method: 'PUT' | 'DELETE', key: string, params: Record<string, string>, value?: Uint8Array): Promise<{ ok: boolean; meta: QueryMeta }> {
  const result = await client.write<boolean>(method, kvPath(key), { query: { params }, ...(value === undefined ? {} : { rawBody: value }) });
  return { ok: result.value === true, meta: result.meta };
}

function flagParams(input: KvWriteInput): Record<string, string> {
  // Consul's client sends ?flags only when they are not zero.
  return input.flags !== undefined && input.flags !== 0 ? { flags: String(input.flags) } : {};
}

/** Sets a key unconditionally. */
export async function putKv(client: ApiClient, key: string, input: KvWriteInput): Promise<void> {
  await kvWrite(client, 'PUT', key, flagParams(input), input.value);
}

/** Sets a key only if its ModifyIndex is `modifyIndex` (0: only if it does not exist). */
export async function casKv(client: ApiClient, key: string, modifyIndex: number, input: KvWriteInput): Promise<boolean> {
  return (await kvWrite(client, 'PUT', key, { ...flagParams(input), cas: String(modifyIndex) }, input.value)).ok;
}

/** Takes the key's lock for `session` (and writes the value); false when another holds it or lock-delay applies. */
export async function acquireKv(client: ApiClient, key: string, session: string, input: KvWriteInput): Promise<boolean> {
  return (await kvWrite(client, 'PUT', key, { ...flagParams(input), acquire: session }, input.value)).ok;
}

/** Gives up the key's lock held by `session` (and writes the value); false when it does not hold it. */
export async function releaseKv(client: ApiClient, key: string, session: string, input: KvWriteInput): Promise<boolean> {
  return (await kvWrite(client, 'PUT', key, { ...flagParams(input), release: session }, input.value)).ok;
}

export async function deleteKv(client: ApiClient, key: string): Promise<void> {
  await kvWrite(client, 'DELETE', key, {});
}

/** Deletes a key only if its ModifyIndex is `modifyIndex`. */
export async function deleteKvCas(client: ApiClient, key: string, modifyIndex: number): Promise<boolean> {
  return (await kvWrite(client, 'DELETE', key, { cas: String(modifyIndex) })).ok;
}

/** Deletes every key under a prefix. */
export async function deleteKvTree(client: ApiClient, prefix: string): Promise<void> {
  await kvWrite(client, 'DELETE', prefix, { recurse: '' });
}
