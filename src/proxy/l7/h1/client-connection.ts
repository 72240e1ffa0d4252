// One upstream HTTP/1.1 connection of an H1Pool (pool.ts): one exchange at a time, no pipelining.
// The request goes out in one write; the response head is parsed with parseResponseHead and its
// body framed per framing.ts. A body already whole in the received bytes (the usual small answer)
// is returned as a bufferedBody so the server can answer in one write; a longer body is a Readable
// fed as bytes arrive, pausing the socket while the consumer is slow. The connection goes back to
// the pool once its response body has been read off the socket, whole and nothing more.

import { Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { DispatchError } from '../dispatch.js';
import { connectionHas } from './answer.js';
import { bufferedBody } from './buffered-body.js';
import { type BodyFraming, ChunkedDecoder, responseFraming } from './framing.js';
import { type Headers, parseResponseHead } from './head.js';

export interface H1ClientRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface H1ClientResponse {
  readonly status: number;
  readonly headers: Headers;
  /** 'close' fires once it is consumed or destroyed; destroyed early, it takes the connection with it. */
  readonly body: Readable;
}

/** Fields that describe this connection only (RFC 9110 7.6.1), and the ones its Connection lists. */
const hopByHopResponse = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/**
 * The response's fields without its hop-by-hop ones (after they decided this connection's reuse),
 * so that an upstream's `Connection: close` closes this connection only, not the client's as well.
 * Transfer-Encoding and Content-Length stay: the writer frames the body anew from them. A copy, not
 * `delete`: deleting a field turns the object into a slow dictionary for every later lookup.
 */
function withoutHopByHop(headers: Headers): Headers {
  const connection = headers.connection;
  const listed: string[] = [];
  if (connection !== undefined) {
    for (const token of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== 'transfer-encoding' && name !== 'content-length') listed.push(name);
    }
  }
  const dropped = (name: string): boolean => hopByHopResponse.has(name) || listed.includes(name);
  let any = false;
  for (const name in headers) if (dropped(name)) any = true;
  if (!any) return headers;
  const kept: Headers = {};
  for (const name in headers) {
    if (dropped(name)) continue;
    const value = headers[name] as string | string[];
    // A field named __proto__ must stay an own field (head.ts addField).
    if (name === '__proto__') Object.defineProperty(kept, name, { value, enumerable: true, writable: true, configurable: true });
    else kept[name] = value;
  }
  return kept;
}

/** A reset before any response byte: on a reused connection the peer likely closed it while idle. */
export class ResetBeforeResponse extends DispatchError {
  constructor(message: string) {
    super('reset', message);
  }
}

/** Hop-by-hop fields (RFC 9110 7.6.1) and the ones this codec sets itself. */
const notForwarded = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'expect']);

/** The request line, headers and body as one buffer (one write). */
export function requestBytes(request: H1ClientRequest, defaultHost: string): Buffer {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  for (const name in request.headers) {
    const value = request.headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (notForwarded.has(lower)) continue;
    if (lower === 'host') hasHost = true;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item.includes('\r') || item.includes('\n') || name.includes(':') || name.includes('\n')) continue;
      head += `${name}: ${item}\r\n`;
    }
  }
  if (!hasHost) head += `host: ${defaultHost}\r\n`;
  const method = request.method;
  if (request.body.length > 0 || method === 'POST' || method === 'PUT' || method === 'PATCH') head += `content-length: ${request.body.length}\r\n`;
  head += '\r\n';
  const headLength = Buffer.byteLength(head, 'latin1');
  const out = Buffer.allocUnsafe(headLength + request.body.length);
  out.write(head, 0, 'latin1');
  request.body.copy(out, headLength);
  return out;
}

export interface ConnectionHooks {
  /** The exchange ended with the connection reusable. */
  readonly onReusable: (connection: H1ClientConnection) => void;
  /** The socket closed (whatever the reason); called once. */
  readonly onClosed: (connection: H1ClientConnection) => void;
}

const empty = Buffer.alloc(0);

interface Exchange {
  readonly method: string;
  readonly signal: AbortSignal;
  resolve: ((response: H1ClientResponse) => void) | undefined;
  reject: ((error: Error) => void) | undefined;
  /** Response bytes have arrived (a retry is no longer safe). */
  responded: boolean;
  body: Readable | undefined;
  framing: BodyFraming | undefined;
  remainingBytes: number;
  decoder: ChunkedDecoder | undefined;
  reusable: boolean;
  readonly onAbort: () => void;
}

export class H1ClientConnection {
  /** Exchanges completed on this connection: above zero, it was reused. */
  exchanges = 0;
  private pending: Buffer = empty;
  private exchange: Exchange | undefined;
  private closed = false;
  /** Why the socket failed, for the error the exchange rejects with. */
  private lastError = 'connection closed';

  constructor(
    private readonly socket: Duplex,
    private readonly headBytesMax: number,
    private readonly defaultHost: string,
    private readonly hooks: ConnectionHooks,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', (error) => {
      this.lastError = error.message;
      socket.destroy();
    });
    socket.on('close', this.onClose);
    // Requests are single writes, but a streamed exchange must not wait on Nagle + delayed ACK.
    (socket as { setNoDelay?: (noDelay: boolean) => unknown }).setNoDelay?.(true);
    socket.resume();
  }

  /** Closed or closing (destroyed, its 'close' event still to come). */
  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Sends `request` and resolves with the response head and its body. */
  send(request: H1ClientRequest, signal: AbortSignal): Promise<H1ClientResponse> {
    return new Promise((resolve, reject) => {
      if (this.isClosed) return reject(new ResetBeforeResponse('connection closed'));
      const onAbort = (): void => this.fail(signal.reason instanceof Error ? signal.reason : new DispatchError('reset', 'request cancelled'));
      this.exchange = { method: request.method, signal, resolve, reject, responded: false, body: undefined, framing: undefined, remainingBytes: 0, decoder: undefined, reusable: true, onAbort };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.socket.write(requestBytes(request, this.defaultHost));
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    const exchange = this.exchange;
    // Bytes nobody asked for: the connection is out of step and cannot be trusted.
    if (exchange === undefined) {
      this.socket.destroy();
      return;
    }
    exchange.responded = true;
    if (exchange.framing === undefined) {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.readHead(exchange);
    } else this.feedBody(exchange, chunk);
  };

  private readonly onEnd = (): void => {
    const exchange = this.exchange;
    if (exchange?.framing?.kind === 'close') this.completeBody(exchange, false);
    // The peer's FIN on an idle connection: out of the pool now, not when 'close' follows.
    else if (exchange === undefined) this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.closed = true;
    const exchange = this.exchange;
    if (exchange !== undefined) {
      if (exchange.framing?.kind === 'close') this.completeBody(exchange, false);
      else if (!exchange.responded) this.fail(new ResetBeforeResponse(`${this.lastError} before a response`));
      else this.fail(new DispatchError('reset', `${this.lastError} ${exchange.body === undefined ? 'in the response head' : 'mid-body'}`));
    }
    this.hooks.onClosed(this);
  };

  /** Parses the response head in `pending`, skipping 1xx interim answers. */
  private readHead(exchange: Exchange): void {
    for (;;) {
      const head = parseResponseHead(this.pending, 0, this.headBytesMax);
      if (head.kind === 'incomplete') return;
      if (head.kind === 'error') return this.fail(new DispatchError('reset', `malformed response head: ${head.reason}`));
      this.pending = this.pending.subarray(head.end);
      if (head.status === 101) return this.fail(new DispatchError('reset', 'unexpected 101 Switching Protocols'));
      if (head.status < 200) continue;
      const framing = responseFraming(exchange.method, head.status, head.headers);
      if (framing.kind === 'error') return this.fail(new DispatchError('reset', `malformed response: ${framing.reason}`));
      exchange.framing = framing;
      exchange.reusable = framing.kind !== 'close' && !connectionHas(head.headers.connection, 'close') && (head.version === '1.1' || connectionHas(head.headers.connection, 'keep-alive'));
      const rest = this.pending;
      this.pending = empty;
      return this.startBody(exchange, head.status, withoutHopByHop(head.headers), framing, rest);
    }
  }

  /** Resolves the response: buffered when `rest` holds the whole body, else streaming. */
  private startBody(exchange: Exchange, status: number, headers: Headers, framing: BodyFraming, rest: Buffer): void {
    let whole: Buffer | undefined;
    let extra = 0;
    if (framing.kind === 'none') {
      whole = empty;
      extra = rest.length;
    } else if (framing.kind === 'length' && rest.length >= framing.bytes) {
      whole = rest.subarray(0, framing.bytes);
      extra = rest.length - framing.bytes;
    } else if (framing.kind === 'chunked') {
      exchange.decoder = new ChunkedDecoder();
      const result = exchange.decoder.push(rest);
      if (result.kind === 'error') return this.fail(new DispatchError('reset', `malformed chunked body: ${result.reason}`));
      if (result.done) {
        whole = result.parts.length === 1 ? result.parts[0] : Buffer.concat(result.parts);
        extra = rest.length - result.consumed;
      } else rest = Buffer.concat(result.parts);
    }
    if (whole !== undefined) {
      // Bytes past the response on a connection without pipelining: out of step, not reusable.
      if (extra > 0) exchange.reusable = false;
      exchange.resolve?.({ status, headers, body: bufferedBody(whole) });
      return this.endExchange(exchange);
    }
    exchange.remainingBytes = framing.kind === 'length' ? framing.bytes - rest.length : 0;
    exchange.body = new Readable({
      // Only while this body is the connection's exchange: a later one may be paused for its own reader.
      read: () => {
        if (this.exchange === exchange) this.socket.resume();
      },
      destroy: (error, callback) => {
        // Destroyed before its end: the rest of the body is still on the wire.
        if (this.exchange === exchange) this.fail(error ?? new DispatchError('reset', 'response body destroyed'));
        callback(error);
      },
    });
    if (rest.length > 0) exchange.body.push(rest);
    exchange.resolve?.({ status, headers, body: exchange.body });
    exchange.resolve = undefined;
    exchange.reject = undefined;
  }

  /** Streams body bytes to the response's Readable, pausing the socket when it is full. */
  private feedBody(exchange: Exchange, chunk: Buffer): void {
    const body = exchange.body;
    if (body === undefined) return;
    let parts: Buffer[] = [chunk];
    let done = false;
    let extra = 0;
    if (exchange.framing?.kind === 'length') {
      const take = Math.min(exchange.remainingBytes, chunk.length);
      parts = [chunk.subarray(0, take)];
      exchange.remainingBytes -= take;
      extra = chunk.length - take;
      done = exchange.remainingBytes === 0;
    } else if (exchange.framing?.kind === 'chunked' && exchange.decoder !== undefined) {
      const result = exchange.decoder.push(chunk);
      if (result.kind === 'error') return this.fail(new DispatchError('reset', `malformed chunked body: ${result.reason}`));
      parts = result.parts;
      done = result.done;
      extra = chunk.length - result.consumed;
    }
    let full = false;
    for (const part of parts) if (part.length > 0 && !body.push(part)) full = true;
    if (done) {
      if (extra > 0) exchange.reusable = false;
      this.completeBody(exchange, true);
    } else if (full) this.socket.pause();
  }

  private completeBody(exchange: Exchange, byFraming: boolean): void {
    if (this.exchange !== exchange) return;
    if (!byFraming) exchange.reusable = false;
    exchange.body?.push(null);
    this.endExchange(exchange);
  }

  /** The response is off the wire: the connection is reused or closed. */
  private endExchange(exchange: Exchange): void {
    exchange.signal.removeEventListener('abort', exchange.onAbort);
    this.exchange = undefined;
    this.exchanges++;
    this.socket.resume();
    if (exchange.reusable && !this.closed) this.hooks.onReusable(this);
    else this.socket.destroy();
  }

  /** Fails the exchange (its promise, or its body when streaming) and closes the connection. */
  private fail(error: Error): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    if (exchange !== undefined) {
      exchange.signal.removeEventListener('abort', exchange.onAbort);
      exchange.reject?.(error);
      if (exchange.body !== undefined && !exchange.body.destroyed) exchange.body.destroy(error);
    }
    this.socket.destroy();
  }
}
