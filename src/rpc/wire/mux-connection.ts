// MuxConnection: many concurrent calls and one-way messages over one socket (TCP or TLS), each a
// frame (frame-codec.ts) holding one message (envelope.ts). Calls carry a numeric id; replies come
// back in any order. After hashicorp/raft's net_transport and Consul's agent/pool, but with one
// multiplexed connection per peer instead of a connection per in-flight call.
//
// Lifecycle: the dialing side sends hello {protocol, version} first and may pipeline calls right
// behind it; the accepting side answers hello_ok, or goaway and closes. Every close — local,
// remote, socket error, protocol violation — goes through finish(), which rejects all pending calls
// with one WireError and cancels every timer, so nothing waits forever and nothing leaks.

import type { Socket } from 'node:net';
import { assert, unreachable } from '../../lib/assert.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { type ErrorCode, isTaxiwayError, TaxiwayError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import { fromWire, toWire, type WireMessage } from './envelope.js';
import { decodePayload, encodeFrame, FrameDecoder } from './frame-codec.js';
import { PendingCalls } from './pending-calls.js';
import { type WireFailure, WireError } from './wire-error.js';

/** What one side serves. Both methods are called by the connection's socket handler. */
export interface CallHandlers {
  /**
   * Serves one request. Called concurrently (up to pendingCallsMax running per connection).
   * Resolves to the response body; a rejection with a TaxiwayError reaches the caller with the
   * same code, anything else as 'internal'.
   */
  call(method: string, body: unknown, connection: MuxConnection): Promise<unknown>;
  /** Receives one one-way message, in arrival order. Must not throw (a throw closes the connection). */
  message(method: string, body: unknown, connection: MuxConnection): void;
}

export type AcceptDecision =
  | { readonly type: 'accept'; readonly handlers: CallHandlers }
  | { readonly type: 'reject'; readonly code: ErrorCode; readonly message: string };

export type ConnectionRole =
  /** We dialed: we send hello first. `handlers` serves calls the peer makes back (optional). */
  | { readonly type: 'dialer'; readonly protocol: string; readonly version: number; readonly handlers?: CallHandlers }
  /** We accepted: the first frame must be hello, and `accept` decides from its protocol and version. */
  | { readonly type: 'acceptor'; readonly accept: (protocol: string, version: number) => AcceptDecision };

export interface MuxConnectionOptions {
  readonly clock: Clock;
  readonly role: ConnectionRole;
  readonly frameBytesMax?: number;
  readonly pendingCallsMax?: number;
  readonly sendHighWaterBytes?: number;
  readonly callTimeoutMsDefault?: number;
  readonly handshakeTimeoutMs?: number;
  readonly replyBacklogBytesMax?: number;
}

/** What send() did with a one-way message. */
export type SendOutcome =
  | 'sent'
  /** Not sent: the socket already holds more than sendHighWaterBytes; drop it or queue it and wait for whenDrained(). */
  | 'over_high_water'
  | 'closed';

/** Time a closing socket gets to flush its goaway before it is destroyed. */
const closeFlushMs = 1_000;

export class MuxConnection {
  private phase: 'awaiting_hello' | 'open' | 'closed';
  private handlers: CallHandlers | undefined;
  private readonly decoder: FrameDecoder;
  private readonly pending: PendingCalls;
  /** Requests from the peer whose handler has not settled. */
  private servingCount = 0;
  private corked = false;
  private helloAcknowledged = false;
  private handshakeTimer: Timer | undefined;
  private destroyTimer: Timer | undefined;
  private drainWaiters: (() => void)[] = [];
  private closeError: WireError | undefined;
  private readonly closedPromise: Promise<WireError>;
  private resolveClosed!: (error: WireError) => void;
  private readonly frameBytesMax: number;
  private readonly pendingCallsMax: number;
  private readonly sendHighWaterBytes: number;
  private readonly callTimeoutMsDefault: number;
  private readonly remote: string;
  /** Protocol and version agreed in the hello (the dialer knows them from the start). */
  protocol = '';
  version = 0;

  constructor(
    private readonly socket: Socket,
    private readonly options: MuxConnectionOptions,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.frameBytesMax = options.frameBytesMax ?? limits.wireFrameBytesMax;
    this.pendingCallsMax = options.pendingCallsMax ?? limits.wirePendingCallsPerConnectionMax;
    this.sendHighWaterBytes = options.sendHighWaterBytes ?? limits.wireSendHighWaterBytes;
    this.callTimeoutMsDefault = options.callTimeoutMsDefault ?? limits.wireCallTimeoutMsDefault;
    this.decoder = new FrameDecoder(this.frameBytesMax);
    this.pending = new PendingCalls(options.clock);
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.phase = options.role.type === 'dialer' ? 'open' : 'awaiting_hello';
    this.attachSocket();
    this.startRole(options.role);
  }

  /**
   * Calls `method` on the peer. Resolves with the response body; rejects with the remote
   * TaxiwayError (same code), or a WireError: 'timeout' after timeoutMs, 'closed' if the
   * connection ends first, 'pending_cap' / 'frame_too_large' at once. Any caller, concurrently.
   */
  call(method: string, body: unknown, options: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.phase === 'closed') return Promise.reject(this.closeError ?? this.wireError('closed', 'internal', 'connection closed'));
    if (this.pending.size >= this.pendingCallsMax) {
      return Promise.reject(this.wireError('pending_cap', 'rate_limited', `${this.pending.size} calls already pending on this connection (limit ${this.pendingCallsMax})`));
    }
    const frame = this.encode({ type: 'request', id: this.pending.peekNextId(), method, body });
    if (frame === undefined) return Promise.reject(this.wireError('frame_too_large', 'payload_too_large', `request ${method} is over the ${this.frameBytesMax}-byte frame limit`));
    const timeoutMs = options.timeoutMs ?? this.callTimeoutMsDefault;
    const reply = this.pending.add(timeoutMs, () => this.wireError('timeout', 'internal', `call ${method} timed out after ${timeoutMs} ms`));
    this.writeFrame(frame);
    return reply;
  }

  /**
   * Sends a one-way message unless the socket is over its high-water mark (then the caller drops
   * or queues it; whenDrained() tells when to resume). Throws WireError 'frame_too_large' if the
   * message alone is over the frame limit. Caller: the Raft transport, for its messages.
   */
  send(method: string, body: unknown): SendOutcome {
    if (this.phase === 'closed') return 'closed';
    if (this.isOverHighWater()) return 'over_high_water';
    const frame = this.encode({ type: 'oneway', method, body });
    if (frame === undefined) throw this.wireError('frame_too_large', 'payload_too_large', `message ${method} is over the ${this.frameBytesMax}-byte frame limit`);
    this.writeFrame(frame);
    return 'sent';
  }

  /** True while the socket holds more unsent bytes than sendHighWaterBytes. */
  isOverHighWater(): boolean {
    return this.socket.writableLength > this.sendHighWaterBytes;
  }

  /**
   * Resolves once send() would send again: at once when not over the high-water mark, else on
   * the socket's 'drain' (which is certain to come: over the mark, writes have returned false), or
   * when the connection closes.
   */
  whenDrained(): Promise<void> {
    if (this.phase === 'closed' || !this.isOverHighWater()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Calls awaiting replies, for tests and metrics. */
  pendingCalls(): number {
    return this.pending.size;
  }

  isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Resolves (never rejects) when the connection has closed, with the reason pending calls got. */
  whenClosed(): Promise<WireError> {
    return this.closedPromise;
  }

  /** The peer's address:port as it was when the connection was set up. */
  remoteAddress(): string {
    return this.remote;
  }

  /**
   * Closes the connection: tells the peer why (goaway), rejects pending calls with 'closed'.
   * Idempotent. An acceptor still waiting for the hello just hangs up: a goaway before hello_ok
   * means "rejected" to the dialer, and a shutdown is not a rejection.
   */
  close(message = 'connection closed'): void {
    const goaway = this.phase === 'awaiting_hello' ? undefined : { code: 'internal' as const, message };
    this.finish(this.wireError('closed', 'internal', message), goaway);
  }

  private startRole(role: ConnectionRole): void {
    switch (role.type) {
      case 'dialer':
        this.protocol = role.protocol;
        this.version = role.version;
        this.handlers = role.handlers;
        this.write({ type: 'hello', protocol: role.protocol, version: role.version });
        return;
      case 'acceptor': {
        const timeoutMs = this.options.handshakeTimeoutMs ?? limits.wireHandshakeTimeoutMs;
        this.handshakeTimer = this.options.clock.setTimer(timeoutMs, () => this.protocolError(`no hello within ${timeoutMs} ms`));
        return;
      }
      default:
        unreachable(role);
    }
  }

  private attachSocket(): void {
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('drain', () => this.releaseDrainWaiters());
    this.socket.on('error', (error) => this.finish(this.wireError('closed', 'internal', `socket error: ${error.message}`), undefined));
    this.socket.on('close', () => {
      this.destroyTimer?.cancel();
      this.finish(this.wireError('closed', 'internal', 'connection closed by the peer'), undefined);
    });
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    const outcome = this.decoder.push(chunk, (payload) => this.onPayload(payload));
    switch (outcome.type) {
      case 'ok':
        return;
      case 'too_large':
        this.finish(this.wireError('frame_too_large', 'payload_too_large', `peer sent a ${outcome.frameBytes}-byte frame, over the ${this.frameBytesMax}-byte limit`), {
          code: 'payload_too_large',
          message: `frame of ${outcome.frameBytes} bytes is over the ${this.frameBytesMax}-byte limit`,
        });
        return;
      case 'empty_frame':
        this.protocolError('empty frame');
        return;
      default:
        unreachable(outcome);
    }
  }

  private onPayload(payload: Buffer): void {
    if (this.phase === 'closed') return;
    let decoded: unknown;
    try {
      decoded = decodePayload(payload);
    } catch (error) {
      this.protocolError(`undecodable frame: ${(error as Error).message}`);
      return;
    }
    const message = fromWire(decoded);
    if (typeof message === 'string') this.protocolError(message);
    else this.dispatch(message);
  }

  private dispatch(message: WireMessage): void {
    if (this.phase === 'awaiting_hello') {
      this.onHello(message);
      return;
    }
    switch (message.type) {
      case 'hello':
        this.protocolError('hello after the handshake');
        return;
      case 'hello_ok':
        this.helloAcknowledged = true;
        return;
      case 'goaway': {
        const failure: WireFailure = this.options.role.type === 'dialer' && !this.helloAcknowledged ? 'handshake_rejected' : 'closed';
        this.finish(this.wireError(failure, message.code, `peer closed the connection: ${message.message}`), undefined);
        return;
      }
      case 'request':
        this.serve(message.id, message.method, message.body);
        return;
      case 'response':
      case 'error':
        this.settle(message);
        return;
      case 'oneway':
        this.deliver(message.method, message.body);
        return;
      default:
        unreachable(message);
    }
  }

  private onHello(message: WireMessage): void {
    const role = this.options.role;
    assert(role.type === 'acceptor', 'only an acceptor waits for hello');
    if (message.type !== 'hello') {
      this.protocolError(`expected hello, got ${message.type}`);
      return;
    }
    this.handshakeTimer?.cancel();
    const decision = role.accept(message.protocol, message.version);
    if (decision.type === 'reject') {
      this.finish(this.wireError('handshake_rejected', decision.code, decision.message), { code: decision.code, message: decision.message });
      return;
    }
    this.protocol = message.protocol;
    this.version = message.version;
    this.handlers = decision.handlers;
    this.phase = 'open';
    this.write({ type: 'hello_ok', version: message.version });
  }

  private serve(id: number, method: string, body: unknown): void {
    const handlers = this.handlers;
    if (handlers === undefined) {
      this.write({ type: 'error', id, code: 'bad_request', message: 'this side serves no calls' });
      return;
    }
    if (this.servingCount >= this.pendingCallsMax) {
      this.write({ type: 'error', id, code: 'rate_limited', message: `${this.servingCount} calls already running for this connection` });
      return;
    }
    this.servingCount++;
    let result: Promise<unknown>;
    try {
      result = handlers.call(method, body, this);
    } catch (error) {
      result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    result.then(
      (reply) => {
        this.servingCount--;
        this.reply(id, method, reply);
      },
      (error: unknown) => {
        this.servingCount--;
        this.replyError(id, error);
      },
    );
  }

  private reply(id: number, method: string, body: unknown): void {
    if (this.phase === 'closed' || this.cutOffSlowReader()) return;
    const frame = this.encode({ type: 'response', id, body });
    if (frame === undefined) {
      this.write({ type: 'error', id, code: 'payload_too_large', message: `response to ${method} is over the ${this.frameBytesMax}-byte frame limit` });
      return;
    }
    this.writeFrame(frame);
  }

  private replyError(id: number, error: unknown): void {
    if (this.phase === 'closed' || this.cutOffSlowReader()) return;
    const code = isTaxiwayError(error) ? error.code : 'internal';
    const message = error instanceof Error ? error.message : String(error);
    this.write({ type: 'error', id, code, message });
  }

  /** Closes the connection if replies are piling up unread (a peer that sends but never reads). */
  private cutOffSlowReader(): boolean {
    const backlogMax = this.options.replyBacklogBytesMax ?? limits.wireReplyBacklogBytesMax;
    if (this.socket.writableLength <= backlogMax) return false;
    const message = `peer is not reading its replies (${this.socket.writableLength} bytes queued, limit ${backlogMax})`;
    this.finish(this.wireError('closed', 'rate_limited', message), undefined);
    return true;
  }

  private settle(message: Extract<WireMessage, { type: 'response' | 'error' }>): void {
    if (message.type === 'response') this.pending.settle(message.id, { type: 'body', body: message.body });
    else this.pending.settle(message.id, { type: 'error', error: new TaxiwayError(message.code, message.message) });
  }

  private deliver(method: string, body: unknown): void {
    if (this.handlers === undefined) return;
    try {
      this.handlers.message(method, body, this);
    } catch (error) {
      this.finish(this.wireError('closed', 'internal', `message handler for ${method} threw: ${(error as Error).message}`), { code: 'internal', message: 'message handler failed' });
    }
  }

  private protocolError(reason: string): void {
    this.finish(this.wireError('protocol', 'bad_request', `protocol error: ${reason}`), { code: 'bad_request', message: `protocol error: ${reason}` });
  }

  /** The single way out: idempotent; rejects pending calls with `error`; tells the peer `goaway` if given. */
  private finish(error: WireError, goaway: { code: ErrorCode; message: string } | undefined): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closeError = error;
    this.handshakeTimer?.cancel();
    if (this.socket.writable && !this.socket.destroyed) {
      const frame = goaway === undefined ? undefined : this.encode({ type: 'goaway', ...goaway });
      if (frame !== undefined) this.socket.write(frame);
      this.socket.end();
      this.destroyTimer = this.options.clock.setTimer(closeFlushMs, () => this.socket.destroy());
    } else {
      this.socket.destroy();
    }
    this.pending.rejectAll(error);
    this.releaseDrainWaiters();
    this.resolveClosed(error);
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private encode(message: WireMessage): Buffer | undefined {
    return encodeFrame(toWire(message), this.frameBytesMax);
  }

  private write(message: WireMessage): void {
    const frame = this.encode(message);
    assert(frame !== undefined, 'control messages are small');
    this.writeFrame(frame);
  }

  /** Writes made in the same tick leave in one writev: cork now, uncork on the next tick. */
  private writeFrame(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  private wireError(failure: WireFailure, code: ErrorCode, message: string): WireError {
    return new WireError(failure, code, `${message} (${this.remoteAddress()})`);
  }
}
