// The L7 dispatch contract every wrapper (retry, timeout, circuit breaker, fault injection) wraps:
// a request in, a response (or a thrown DispatchError) out. Request bodies are buffered (bounded
// by limits.proxyRequestBodyBytesMax, upstream-http.ts) so that a retry can send them again;
// response bodies stream, and a wrapper that drops a response must discard its body.

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
}

export interface L7Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
  /** How many attempts it took (1 = no retry); set by the retry wrapper. */
  readonly attempts?: number;
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
  return { status, headers: { 'content-type': 'text/plain', ...headers }, body: Readable.from([Buffer.from(`${text}\n`)]) };
}

/** Drops a response nobody will read (its connection then goes back to the pool or is closed). */
export function discard(response: L7Response): void {
  response.body.resume();
  response.body.on('error', () => undefined);
}
