// The HTTP client of the agent's API (Consul's api package, reduced to what taxiway's own tools
// need): one undici connection pool per client, every request bounded in time and size, every
// non-success answer an ApiError and every failure to get an answer a TransportError.
//
//   send(method, path, options)  → { statusCode, meta, body bytes }      (the one I/O path)
//   query<T>(path, options)      → GET, JSON body decoded, + QueryMeta
//   write<T>(method, path, ...)  → PUT/POST/DELETE, JSON body decoded if there is one, + QueryMeta
//
// Success is exactly 200, as Consul's requireOK (DELETE also accepts 204). Call close() when done
// so that pooled keep-alive sockets do not hold a short-lived process open.

import { Agent, request, type Dispatcher } from 'undici';
import { formatGoDuration } from '../lib/duration.js';
import { taxiwayVersion } from '../version.js';
import { baseUrlOf } from './address.js';
import { ApiError, TransportError } from './api-error.js';
import type { ClientConfig } from './client-config.js';
import { limits } from '../lib/limits.js';
import { blockingQueryTimeoutMs } from './blocking-timeout.js';
import { encodeQuery, parseQueryMeta, type QueryMeta, type QueryOptions } from './query.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface RequestOptions {
  readonly query?: QueryOptions;
  /** Sent as JSON (with Consul's trailing newline and Content-Type: application/json). */
  readonly body?: unknown;
  /** Sent as given, for opaque values such as KV data; excludes `body`. */
  readonly rawBody?: string | Uint8Array;
  /** Overrides the client's token for this request; "" sends none. */
  readonly token?: string;
  /** Overrides the whole-request timeout (blocking queries get theirs from ?wait). */
  readonly timeoutMs?: number;
  /** Cancels the request (a blocking query no longer wanted); it then fails with a TransportError. */
  readonly signal?: AbortSignal;
  /** Overrides the largest success body read (limits.apiResponseBytesMax), for snapshot downloads. */
  readonly responseBytesMax?: number;
}

export interface RawResponse {
  readonly statusCode: number;
  readonly meta: QueryMeta;
  readonly body: Buffer;
}

export interface QueryResult<T> {
  readonly value: T;
  readonly meta: QueryMeta;
}

export interface WriteResult<T> {
  /** The decoded JSON body; undefined when the endpoint answers with an empty body. */
  readonly value: T | undefined;
  readonly meta: QueryMeta;
}

export class ApiClient {
  private readonly dispatcher: Dispatcher;
  private readonly baseUrl: string;

  constructor(readonly config: ClientConfig) {
    const { address } = config;
    const socketPath = address.kind === 'unix' ? address.socketPath : undefined;
    this.dispatcher = new Agent({ connect: { timeout: config.connectTimeoutMs, ...(socketPath === undefined ? {} : { socketPath }) } });
    this.baseUrl = baseUrlOf(address);
  }

  /** GET `path` and decode its JSON body. Throws ApiError, or TransportError for no or bad JSON. */
  async query<T>(path: string, options: RequestOptions = {}): Promise<QueryResult<T>> {
    const response = await this.send('GET', path, options);
    return { value: decodeJson<T>(response.body, 'GET', this.urlOf(path, options)), meta: response.meta };
  }

  /** A write; most agent endpoints answer with an empty body, KV and txn with JSON. */
  async write<T = unknown>(method: Exclude<HttpMethod, 'GET'>, path: string, options: RequestOptions = {}): Promise<WriteResult<T>> {
    const response = await this.send(method, path, options);
    const value = response.body.length === 0 ? undefined : decodeJson<T>(response.body, method, this.urlOf(path, options));
    return { value, meta: response.meta };
  }

  /** The one I/O path: sends, reads the bounded body, and turns failures into the error classes. */
  async send(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const url = this.urlOf(path, options);
    const timeoutMs = options.timeoutMs ?? (options.query?.index !== undefined ? blockingQueryTimeoutMs(options.query.waitMs) : this.config.requestTimeoutMs);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    try {
      const response = await request(url, { method, headers: this.headersFor(options), body: bodyOf(options), dispatcher: this.dispatcher, signal });
      const succeeded = response.statusCode === 200 || (method === 'DELETE' && response.statusCode === 204);
      const limit = succeeded ? (options.responseBytesMax ?? limits.apiResponseBytesMax) : limits.apiErrorBodyBytesMax;
      const body = await readBounded(response.body, limit, succeeded);
      if (!succeeded) throw new ApiError(response.statusCode, body.toString('utf8'), parseQueryMeta(response.headers));
      return { statusCode: response.statusCode, meta: parseQueryMeta(response.headers), body };
    } catch (error) {
      if (error instanceof ApiError || error instanceof TransportError) throw error;
      const cause = options.signal?.aborted === true ? 'request cancelled' : timeout.aborted ? `request timed out after ${formatGoDuration(timeoutMs)}` : describeCause(error);
      throw new TransportError(method, url, cause);
    }
  }

  /** Closes pooled connections; requests after this fail. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private urlOf(path: string, options: RequestOptions): string {
    const query = encodeQuery(options.query ?? {}, { datacenter: this.config.datacenter, stale: this.config.stale });
    return `${this.baseUrl}${path}${query === '' ? '' : `?${query}`}`;
  }

  private headersFor(options: RequestOptions): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': `taxiway/${taxiwayVersion}` };
    const token = options.token ?? this.config.token;
    if (token !== '') headers['x-consul-token'] = token;
    if (this.config.authorization !== '') headers.authorization = this.config.authorization;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return headers;
  }
}

/** Encodes one path segment (a service, node or check name); "/" inside a name is escaped too. */
export function pathSegment(name: string): string {
  return encodeURIComponent(name);
}

function bodyOf(options: RequestOptions): string | Uint8Array | undefined {
  if (options.rawBody !== undefined) return options.rawBody;
  return options.body === undefined ? undefined : `${JSON.stringify(options.body)}\n`;
}

/**
 * Reads a body up to `bytesMax`. Past the limit a success body is an error (a truncated JSON
 * document is useless); an error body is cut, since only its start goes into the message.
 */
async function readBounded(body: Dispatcher.ResponseData['body'], bytesMax: number, failWhenOver: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > bytesMax) {
      body.destroy();
      if (failWhenOver) throw new Error(`response body larger than ${bytesMax} bytes`);
      chunks.push(chunk.subarray(0, chunk.length - (total - bytesMax)));
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function decodeJson<T>(body: Buffer, method: string, url: string): T {
  // Consul's client fails on an empty body with Go's "EOF"; say what was expected instead.
  if (body.length === 0) throw new TransportError(method, url, 'empty response body, expected JSON');
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (error) {
    throw new TransportError(method, url, `invalid JSON in response: ${(error as Error).message}`);
  }
}

/**
 * Node's one-line description of a failure. Connecting to a name with both IPv4 and IPv6
 * addresses ("localhost") fails with an AggregateError whose own message is empty; its parts
 * carry the reasons.
 */
function describeCause(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map((part) => (part instanceof Error ? part.message : String(part))).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
