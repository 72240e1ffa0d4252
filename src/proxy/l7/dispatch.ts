// The L7 dispatch contract every wrapper (retry, timeout, circuit breaker, fault injection) wraps:
// a request in, a response (or a thrown DispatchError) out. Request bodies are buffered (bounded
// by limits.proxyRequestBodyBytesMax, upstream-http.ts) so that a retry can send them again;
// response bodies stream, and a wrapper that drops a response must discard its body.

import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';

export interface L7Request {
  readonly method: string;
  /** Path and query, as sent upstream. */
  readonly path: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
  /** The downstream client's address and port, for hash policies (SourceIP, generated cookies). */
  readonly remote?: { readonly address: string; readonly port: number };
  /**
   * A body that streams instead (gRPC, HTTP/2): it can be read once, so such a request is retried
   * on connect failures only (streaming.ts); `body` is then empty.
   */
  readonly stream?: Readable;
  /** An HTTP/1.1 Upgrade (WebSocket): the answer may carry the upgraded socket (upgrade.ts). */
  readonly upgrade?: boolean;
  /**
   * Filled in by routing (upstream-http.ts) for the listener that made the request: the route it
   * took and that route's RequestTimeout, for the access log and a stream's deadline. A holder
   * object rather than a side table, so a copy of the request (a rewritten path) shares it.
   */
  readonly routing?: RouteNote;
}

export interface RouteNote {
  /** "none" until routed. */
  route: string;
  /** 0 = no RequestTimeout. */
  timeoutMs: number;
}

export interface L7Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
  /** How many attempts it took (1 = no retry); set by the retry wrapper. */
  readonly attempts?: number;
  /** HTTP/2: the trailers, once the body ended (grpc-status travels there). */
  readonly trailers?: () => Readonly<Record<string, string | string[] | undefined>> | undefined;
  /** Set on 101 Switching Protocols: the upstream socket and the bytes read past its head. */
  readonly upgraded?: { readonly socket: Duplex; readonly head: Buffer };
  /** Set on answers the proxy made itself: their text (a gRPC caller gets it as grpc-message). */
  readonly localText?: string;
}

export type Dispatch = (request: L7Request, signal: AbortSignal) => Promise<L7Response>;

/** Why a request got no upstream response: `connect` failures may be retried, others answer 503/504. */
export class DispatchError extends Error {
  override readonly name = 'DispatchError';
  constructor(
    readonly kind: 'connect' | 'reset' | 'timeout' | 'no-endpoint',
    message: string,
  ) {
    super(message);
  }
}

/** A response made by the proxy itself (403, 503, fault injection). */
export function localResponse(status: number, text: string, headers: Record<string, string> = {}): L7Response {
  return { status, headers: { 'content-type': 'text/plain', ...headers }, body: Readable.from([Buffer.from(`${text}\n`)]), localText: text };
}

/** Drops a response nobody will read (its connection then goes back to the pool or is closed). */
export function discard(response: L7Response): void {
  response.body.resume();
  response.body.on('error', () => undefined);
}
