// Serving one accepted HTTP/1.1 connection with the lean codec (head.ts, framing.ts, answer.ts)
// instead of node:http: no IncomingMessage/ServerResponse per request, bodies buffered whole (the
// L7 path buffers them anyway so that a retry can resend them), answers written in one write when
// whole. One request at a time: pipelined requests wait (bounded) until the previous answer is
// written, and are answered in order. Upgrades (WebSocket) and CONNECT are handed, bytes
// put back, to a node:http server that knows them.
//
// Per connection:  idle --bytes--> head --CRLFCRLF--> body --complete--> busy --answer written--> idle
//                   ^ idleTimeoutMs    \__ requestTimeoutMs (408) __/
// Errors in the head or body answer 400/413/431/501/505 with `connection: close`; a socket error
// destroys only its connection; so does the client's FIN (as node:http does by default).

import type { Duplex } from 'node:stream';
import type { Clock } from '../../../lib/clock.js';
import { limits } from '../../../lib/limits.js';
import { wantsUpgrade } from '../upgrade.js';
import { type AnswerHeaders, type AnswerOutcome, connectionHas, writeAnswer } from './answer.js';
import { Deadline } from './deadline.js';
import { type BodyFraming, ChunkedDecoder, requestFraming } from './framing.js';
import { type Headers, parseRequestHead } from './head.js';

export interface H1Request {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  /** Lower-cased names; set-cookie an array, other repeated fields comma-joined. */
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface H1Answer {
  readonly status: number;
  readonly headers: AnswerHeaders;
  /** Ended or destroyed by the server once written (or not needed), so its 'close' always fires. */
  readonly body: import('node:stream').Readable;
}

export interface H1Context {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Aborts when the client goes away (the connection's signal, shared by its requests, which run one at a time). */
  readonly signal: AbortSignal;
}

export interface ServeH1Options {
  /** Called once per request, never concurrently on one connection; a rejection (or a throw) answers 500 and closes. */
  readonly handler: (request: H1Request, context: H1Context) => Promise<H1Answer>;
  /** Receives the socket of an Upgrade or CONNECT request, the request's bytes put back (unshift). */
  readonly onHandoff: (socket: Duplex) => void;
  readonly clock: Clock;
  readonly headBytesMax?: number;
  readonly bodyBytesMax?: number;
  readonly idleTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Told of every request the codec answers itself (400, 408, 413, 417, 431, 500, 501, 505), for the access log. */
  readonly onRefused?: (refusal: Refusal) => void;
}

export interface Refusal {
  readonly status: number;
  readonly reason: string;
  /** Known when the head was read before the refusal. */
  readonly method?: string;
  readonly target?: string;
}

type Phase = 'head' | 'body' | 'busy' | 'closing' | 'gone';

interface BodyState {
  readonly framing: BodyFraming;
  readonly parts: Buffer[];
  receivedBytes: number;
  readonly decoder: ChunkedDecoder | undefined;
}

type PeerSocket = Duplex & { readonly remoteAddress?: string; readonly remotePort?: number };

const empty = Buffer.alloc(0);
const continueLine = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/** Serves HTTP/1.1 on `socket` until it closes or is handed off. */
export function serveH1(socket: PeerSocket, options: ServeH1Options): void {
  new H1ServerConnection(socket, options).start();
}

class H1ServerConnection {
  private phase: Phase = 'head';
  /** Received bytes not consumed yet: the head being read, or pipelined requests. */
  private pending: Buffer = empty;
  private head: { method: string; target: string; version: '1.0' | '1.1'; headers: Headers } | undefined;
  private body: BodyState | undefined;
  /** The idle, request or closing deadline, whichever the phase has. */
  private readonly deadline: Deadline;
  /**
   * Aborted when the connection closes. One per connection, not per request (AbortController is a
   * measurable share of a request's cost): requests on a connection run one at a time, and each
   * ends before the next begins, so a request's signal aborts exactly when its client went away.
   */
  private abort: AbortController | undefined;
  private drainedBytes = 0;
  /** A head has begun arriving: requestTimeoutMs runs until the request is whole. */
  private requestTimerArmed = false;
  private readonly headBytesMax: number;
  private readonly bodyBytesMax: number;

  constructor(
    private readonly socket: PeerSocket,
    private readonly options: ServeH1Options,
  ) {
    this.headBytesMax = options.headBytesMax ?? limits.proxyH1HeadBytesMax;
    this.bodyBytesMax = options.bodyBytesMax ?? limits.proxyRequestBodyBytesMax;
    this.deadline = new Deadline(options.clock);
  }

  start(): void {
    this.socket.on('data', this.onData);
    this.socket.on('end', this.onEnd);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
    // A streamed answer is several writes; Nagle would hold the later ones for the client's delayed ACK.
    (this.socket as { setNoDelay?: (noDelay: boolean) => unknown }).setNoDelay?.(true);
    this.armTimer(this.options.idleTimeoutMs ?? limits.proxyH1ServerIdleTimeoutMs, () => this.socket.destroy());
    this.socket.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.phase === 'closing') {
      // Drain what a client still sends after our final answer, so that it can read that answer
      // (closing with unread bytes would reset the connection), but not forever.
      this.drainedBytes += chunk.length;
      if (this.drainedBytes > limits.httpOversizeDrainBytesMax) this.socket.destroy();
      return;
    }
    if (this.phase === 'gone') return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.phase !== 'busy') this.advance();
    // While a request is answered the socket keeps reading, to see the client go away (FIN or
    // reset); pipelined bytes wait in `pending`, up to one head's worth, then in the kernel.
    else if (this.pending.length > this.headBytesMax) this.socket.pause();
  };

  /**
   * The client's FIN: like node:http (without httpAllowHalfOpen), taken as the client going away -
   * a request in flight is aborted, and a proxy must not keep upstream work alive for nobody.
   */
  private readonly onEnd = (): void => {
    this.socket.destroy();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.phase = 'gone';
    this.deadline.cancel();
    this.abort?.abort(new Error('client connection closed'));
  };

  private armTimer(delayMs: number, fn: () => void): void {
    this.deadline.set(delayMs, fn);
  }

  /** Consumes pending bytes: a head, then its body, then hands the request to the handler. */
  private advance(): void {
    if (this.phase === 'head') {
      if (this.pending.length === 0) {
        this.armTimer(this.options.idleTimeoutMs ?? limits.proxyH1ServerIdleTimeoutMs, () => this.socket.destroy());
        return;
      }
      if (!this.readHead()) return;
    }
    if (this.phase !== 'body') return;
    if (this.readBody()) this.dispatch();
  }

  /** Parses the head in `pending`; true once the connection is reading its body. */
  private readHead(): boolean {
    if (!this.requestTimerArmed) this.armRequestTimer();
    const parsed = parseRequestHead(this.pending, 0, this.headBytesMax);
    if (parsed.kind === 'incomplete') return false;
    if (parsed.kind === 'error') return this.refuse(parsed.status, parsed.reason);
    if (parsed.method === 'CONNECT' || wantsUpgrade(parsed.headers)) {
      this.handoff();
      return false;
    }
    // RFC 9112 6.1: HTTP/1.0 has no transfer codings; such a message's framing is faulty.
    if (parsed.version === '1.0' && parsed.headers['transfer-encoding'] !== undefined) return this.refuse(400, 'Transfer-Encoding in an HTTP/1.0 request', parsed);
    const framing = requestFraming(parsed.headers);
    if (framing.kind === 'error') return this.refuse(framing.status, framing.reason, parsed);
    if (framing.kind === 'close') return this.refuse(400, 'unframed request body', parsed);
    if (framing.kind === 'length' && framing.bytes > this.bodyBytesMax) return this.refuse(413, 'request body too large', parsed);
    const expect = parsed.headers.expect;
    if (expect !== undefined) {
      if (typeof expect !== 'string' || expect.toLowerCase() !== '100-continue') return this.refuse(417, 'unsupported Expect', parsed);
      // Only a client that will send a body waits for the 100; HTTP/1.0 knows no 1xx.
      if (framing.kind !== 'none' && parsed.version === '1.1') this.socket.write(continueLine);
    }
    this.head = { method: parsed.method, target: parsed.target, version: parsed.version, headers: parsed.headers };
    this.body = { framing, parts: [], receivedBytes: 0, decoder: framing.kind === 'chunked' ? new ChunkedDecoder() : undefined };
    this.pending = this.pending.subarray(parsed.end);
    this.phase = 'body';
    return true;
  }

  /** A started request must be whole within requestTimeoutMs; else 408 and close. */
  private armRequestTimer(): void {
    this.requestTimerArmed = true;
    this.armTimer(this.options.requestTimeoutMs ?? limits.proxyH1RequestTimeoutMs, () => {
      if (this.phase === 'head' || this.phase === 'body') this.refuse(408, 'request timeout');
    });
  }

  /** Moves pending bytes into the body; true once it is complete. */
  private readBody(): boolean {
    const body = this.body;
    if (body === undefined) return false;
    switch (body.framing.kind) {
      case 'none':
      case 'close':
        return true;
      case 'length': {
        const take = Math.min(body.framing.bytes - body.receivedBytes, this.pending.length);
        if (take > 0) body.parts.push(this.pending.subarray(0, take));
        body.receivedBytes += take;
        this.pending = this.pending.subarray(take);
        return body.receivedBytes === body.framing.bytes;
      }
      case 'chunked': {
        if (this.pending.length === 0 || body.decoder === undefined) return false;
        const result = body.decoder.push(this.pending);
        if (result.kind === 'error') return this.refuse(400, result.reason);
        for (const part of result.parts) {
          body.parts.push(part);
          body.receivedBytes += part.length;
        }
        if (body.receivedBytes > this.bodyBytesMax) return this.refuse(413, 'request body too large');
        this.pending = result.done ? this.pending.subarray(result.consumed) : empty;
        return result.done;
      }
    }
  }

  /** Runs the handler for the complete request; its answer is written by answer(). Not async: every request takes it. */
  private dispatch(): void {
    const head = this.head;
    const body = this.body;
    if (head === undefined || body === undefined) return;
    this.phase = 'busy';
    this.head = undefined;
    this.body = undefined;
    this.requestTimerArmed = false;
    this.deadline.clear();
    this.abort ??= new AbortController();
    const request: H1Request = { method: head.method, target: head.target, version: head.version, headers: head.headers, body: body.parts.length === 1 ? (body.parts[0] as Buffer) : Buffer.concat(body.parts, body.receivedBytes) };
    const context: H1Context = { remoteAddress: this.socket.remoteAddress ?? '', remotePort: this.socket.remotePort ?? 0, signal: this.abort.signal };
    let answered: Promise<H1Answer>;
    try {
      answered = this.options.handler(request, context);
    } catch (error) {
      // A handler that throws instead of rejecting gets the same 500.
      answered = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    answered
      .then(
        (answer) => this.answer(head, answer),
        () => {
          if (this.phase === 'busy') this.refuse(500, 'internal error', head);
        },
      )
      // A failure writing the answer ends this connection only.
      .catch(() => this.socket.destroy());
  }

  /** Writes the handler's answer (a whole one at once, synchronously), then reads on or closes. */
  private answer(head: { readonly method: string; readonly version: '1.0' | '1.1'; readonly headers: Headers }, answer: H1Answer): void {
    if (this.phase !== 'busy') {
      answer.body.destroy();
      return;
    }
    const keepAlive = wantsKeepAlive(head.version, head.headers) && !connectionHas(answer.headers.connection, 'close');
    const outcome = writeAnswer(this.socket, { method: head.method, version: head.version, keepAlive }, answer.status, answer.headers, answer.body);
    if (typeof outcome === 'string') this.answered(outcome);
    else void outcome.then((written) => this.answered(written));
  }

  private answered(outcome: AnswerOutcome): void {
    if (outcome === 'failed' || this.phase !== 'busy') return;
    if (outcome === 'close') return this.closeAfterAnswer();
    this.afterAnswer();
  }

  /** Back to reading, once the client has taken the answer (backpressure against pipelining floods). */
  private afterAnswer(): void {
    const next = (): void => {
      if (this.phase !== 'busy') return;
      this.phase = 'head';
      this.socket.resume();
      this.advance();
    };
    if (this.socket.writableNeedDrain) this.socket.once('drain', next);
    else next();
  }

  /** Answers a malformed or refused request with a short text and closes; returns false for callers' convenience. */
  private refuse(status: number, reason: string, head: { readonly method: string; readonly target: string } | undefined = this.head): false {
    this.options.onRefused?.({ status, reason, method: head?.method, target: head?.target });
    const text = `${reason}\n`;
    this.socket.write(`HTTP/1.1 ${status} ${statusText(status)}\r\ncontent-type: text/plain\r\ncontent-length: ${text.length}\r\nconnection: close\r\n\r\n${text}`, 'latin1');
    this.closeAfterAnswer();
    return false;
  }

  /** Ends our side; reads (and drops) what still comes for a while so that the client sees the answer. */
  private closeAfterAnswer(): void {
    if (this.phase === 'gone' || this.phase === 'closing') return;
    this.phase = 'closing';
    this.pending = empty;
    this.socket.end();
    this.socket.resume();
    this.armTimer(this.options.idleTimeoutMs ?? limits.proxyH1ServerIdleTimeoutMs, () => this.socket.destroy());
  }

  /** Gives the socket away with every unconsumed byte (this request's head included) put back. */
  private handoff(): void {
    this.phase = 'gone';
    this.deadline.cancel();
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    if (this.pending.length > 0) this.socket.unshift(this.pending);
    this.pending = empty;
    this.options.onHandoff(this.socket);
    // node:http's server.emit('connection', socket) attaches its 'data' listener but leaves a
    // paused socket paused; resuming with nobody listening would drop the bytes put back.
    if (this.socket.listenerCount('data') > 0) this.socket.resume();
  }
}

function wantsKeepAlive(version: '1.0' | '1.1', headers: Headers): boolean {
  if (version === '1.0') return connectionHas(headers.connection, 'keep-alive');
  return !connectionHas(headers.connection, 'close');
}

const statusTexts: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 505: 'HTTP Version Not Supported' };

function statusText(status: number): string {
  return statusTexts[status] ?? 'Error';
}
