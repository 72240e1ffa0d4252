// H1Pool: the keep-alive HTTP/1.1 connections to one upstream endpoint, in place of an undici Pool
// on the L7 path (its per-request objects, not the wire, were the cost). At most connectionsMax are
// open; a request takes the most recently used idle one, else dials, else waits in a FIFO queue (a
// waiter whose signal aborts leaves it). No pipelining: a connection carries one exchange at a
// time and returns to the pool once its response body is off the wire (client-connection.ts).
//
// The keep-alive race: an upstream may close an idle connection just as we send on it. When a
// REUSED connection closes before any response byte, the request is sent once more on a new one
// (nothing of it was answered, and idle timeouts below the upstream's make this rare). Idle
// connections close after idleTimeoutMs (Clock) and leave the pool when their peer closes them.

import type { Duplex } from 'node:stream';
import type { Clock } from '../../../lib/clock.js';
import { limits } from '../../../lib/limits.js';
import { DispatchError } from '../dispatch.js';
import { Deadline } from './deadline.js';
import { H1ClientConnection, type H1ClientRequest, type H1ClientResponse, ResetBeforeResponse } from './client-connection.js';

export type { H1ClientRequest, H1ClientResponse } from './client-connection.js';

export interface H1PoolOptions {
  /** Opens a connection, resolving once it is connected (and its TLS handshake done). */
  readonly dial: () => Promise<Duplex>;
  readonly connectionsMax: number;
  readonly clock: Clock;
  readonly idleTimeoutMs?: number;
  readonly headBytesMax?: number;
  /** Host header sent when the request has none (HTTP/1.1 requires one). */
  readonly defaultHost?: string;
}

interface Waiter {
  readonly resolve: (connection: H1ClientConnection) => void;
  readonly reject: (error: Error) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DispatchError('reset', 'request cancelled');
}

export class H1Pool {
  /** Idle connections, most recently used last. */
  private readonly idle: H1ClientConnection[] = [];
  /** Per connection, when it closes if still idle. */
  private readonly idleDeadlines = new Map<H1ClientConnection, Deadline>();
  private readonly connections = new Set<H1ClientConnection>();
  /** Connections open or being dialed; never above connectionsMax. */
  private openCount = 0;
  private readonly queue: Waiter[] = [];
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly closeWaiters: Array<() => void> = [];

  constructor(private readonly options: H1PoolOptions) {}

  /** Sends `request`; dial failures reject with DispatchError('connect'), a lost connection with 'reset'. */
  request(request: H1ClientRequest, signal: AbortSignal): Promise<H1ClientResponse> {
    if (this.state !== 'open') return Promise.reject(new DispatchError('connect', 'connection pool closed'));
    if (signal.aborted) return Promise.reject(abortReason(signal));
    // The usual case, an idle connection at hand, takes no async frame: it is every request's path.
    const idle = this.takeIdle();
    if (idle !== undefined) return this.sendOn(idle, request, signal);
    return this.acquire(signal).then((connection) => {
      if (signal.aborted) {
        this.release(connection);
        throw abortReason(signal);
      }
      return this.sendOn(connection, request, signal);
    });
  }

  /** Sends on `connection`; a reused one that closes before any answer byte gets the request again on a new one. */
  private sendOn(connection: H1ClientConnection, request: H1ClientRequest, signal: AbortSignal): Promise<H1ClientResponse> {
    const reused = connection.exchanges > 0;
    const sent = connection.send(request, signal);
    if (!reused) return sent;
    return sent.catch((error: unknown) => {
      if (!(error instanceof ResetBeforeResponse) || signal.aborted) throw error;
      return this.resend(request, signal);
    });
  }

  /** The keep-alive race: once more, on a connection of its own. */
  private async resend(request: H1ClientRequest, signal: AbortSignal): Promise<H1ClientResponse> {
    const fresh = this.openCount < this.options.connectionsMax ? await this.dialCounted() : await this.acquire(signal);
    if (signal.aborted) {
      this.release(fresh);
      throw abortReason(signal);
    }
    return fresh.send(request, signal);
  }

  /** New requests reject; queued and in-flight ones finish; then every connection is closed. */
  close(): Promise<void> {
    if (this.state === 'open') this.state = 'closing';
    for (const connection of this.idle.splice(0)) connection.destroy();
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      this.maybeClosed();
    });
  }

  /** Closes every connection now; queued requests reject. */
  destroy(): void {
    this.state = 'closed';
    for (const waiter of this.queue.splice(0)) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new DispatchError('reset', 'connection pool destroyed'));
    }
    for (const connection of [...this.connections]) connection.destroy();
    this.maybeClosed();
  }

  private acquire(signal: AbortSignal): Promise<H1ClientConnection> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const idle = this.takeIdle();
    if (idle !== undefined) return Promise.resolve(idle);
    if (this.openCount < this.options.connectionsMax) return this.dialCounted();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        reject(abortReason(signal));
      };
      const waiter: Waiter = { resolve, reject, signal, onAbort };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** The most recently used idle connection, its idle deadline cleared. */
  private takeIdle(): H1ClientConnection | undefined {
    let idle = this.idle.pop();
    // One destroyed a moment ago (idle timeout, the peer's FIN) leaves with its 'close' event.
    while (idle?.isClosed === true) idle = this.idle.pop();
    if (idle !== undefined) this.idleDeadlines.get(idle)?.clear();
    return idle;
  }

  /** Dials one connection, counted in openCount from now; failures are 'connect' errors. */
  private async dialCounted(): Promise<H1ClientConnection> {
    this.openCount++;
    let socket: Duplex;
    try {
      socket = await this.options.dial();
    } catch (error) {
      this.openCount--;
      this.serveQueue();
      this.maybeClosed();
      throw new DispatchError('connect', error instanceof Error ? error.message : String(error));
    }
    const connection = new H1ClientConnection(socket, this.options.headBytesMax ?? limits.proxyH1HeadBytesMax, this.options.defaultHost ?? 'localhost', {
      onReusable: (reusable) => this.release(reusable),
      onClosed: (closed) => this.forget(closed),
    });
    this.connections.add(connection);
    if (this.state === 'closed') {
      connection.destroy();
      throw new DispatchError('connect', 'connection pool destroyed');
    }
    return connection;
  }

  /** A connection is free again: to the first waiter, else idle (or closed when the pool is closing). */
  private release(connection: H1ClientConnection): void {
    if (connection.isClosed) return;
    const waiter = this.queue.shift();
    if (waiter !== undefined && this.state !== 'closed') {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(connection);
      return;
    }
    if (this.state !== 'open') {
      connection.destroy();
      return;
    }
    this.idle.push(connection);
    let deadline = this.idleDeadlines.get(connection);
    if (deadline === undefined) {
      deadline = new Deadline(this.options.clock);
      this.idleDeadlines.set(connection, deadline);
    }
    deadline.set(this.options.idleTimeoutMs ?? limits.proxyH1PoolIdleTimeoutMs, () => connection.destroy());
  }

  /** A connection closed: it leaves the pool, and its slot may serve a waiter. */
  private forget(connection: H1ClientConnection): void {
    if (!this.connections.delete(connection)) return;
    this.openCount--;
    this.idleDeadlines.get(connection)?.cancel();
    this.idleDeadlines.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.serveQueue();
    this.maybeClosed();
  }

  /** Dials for the first waiter when a slot is free. */
  private serveQueue(): void {
    if (this.state === 'closed' || this.queue.length === 0 || this.openCount >= this.options.connectionsMax) return;
    const waiter = this.queue.shift() as Waiter;
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    this.dialCounted().then(waiter.resolve, waiter.reject);
  }

  private maybeClosed(): void {
    if (this.state === 'open' || this.openCount > 0 || this.queue.length > 0) return;
    this.state = 'closed';
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }
}
