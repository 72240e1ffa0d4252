// A route: method + path → handler. Paths ending in "*" take the rest of the URL as one value
// (service names may contain "/"), as Consul's prefix patterns do.

import type { Agent } from '../agent/agent.js';
import { badRequest, type TaxiwayError } from '../lib/errors.js';
import type { QueryOptions, WriteOptions } from '../rpc/protocol.js';
import { parseQueryOptions, parseWriteOptions, type QueryParams } from './query-options.js';
import type { HttpResult } from './result.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ApiRequest {
  readonly agent: Agent;
  readonly params: QueryParams;
  /** What the "*" of the route matched, URL-decoded ("" for routes without one). */
  readonly pathRest: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer | undefined;
  /** Aborted when the client goes away: blocking queries stop waiting. */
  readonly signal: AbortSignal;
}

export type Handler = (request: ApiRequest) => Promise<HttpResult>;

export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: Handler;
  /** The error for a body over the route's limit, when the endpoint words it its own way (KV). */
  readonly bodyTooLarge?: (contentLengthBytes: number) => TaxiwayError;
  /** The route's body limit when it is not limits.httpBodyBytesMax (a snapshot upload). */
  readonly bodyBytesMax?: number;
}

export function queryOptionsOf(request: ApiRequest): QueryOptions {
  return parseQueryOptions({ params: request.params, headers: request.headers, defaultToken: request.agent.config.acl.tokens.default });
}

export function writeOptionsOf(request: ApiRequest): WriteOptions {
  return parseWriteOptions({ params: request.params, headers: request.headers, defaultToken: request.agent.config.acl.tokens.default });
}

/** The "*" part of the path, which the endpoint needs: "" is answered with Consul's 400 message. */
export function requiredPathRest(request: ApiRequest, message: string): string {
  if (request.pathRest === '') throw badRequest(message);
  return request.pathRest;
}
