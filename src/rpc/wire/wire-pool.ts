// WirePool: the dialing side. One MuxConnection per address, opened on first use and reused by
// every caller; when it closes, the next use redials. Consecutive connect failures push the next
// attempt out (backoff.ts) and uses inside that window fail at once with WireError 'backoff', so
// callers such as the RPC client can move to another server instead of queueing behind a dead one.
// After hashicorp/consul agent/pool (ConnPool) and hashicorp/raft net_transport.

import { connect as connectTcp, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { assert } from '../../lib/assert.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { reconnectDelayMs } from './backoff.js';
import { type CallHandlers, MuxConnection, type MuxConnectionOptions, type SendOutcome } from './mux-connection.js';
import { WireError } from './wire-error.js';

export interface WirePoolOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Named in every hello this pool sends. */
  readonly protocol: string;
  readonly version: number;
  /** TLS client settings (ca, cert, key, servername, checkServerIdentity); absent = plain TCP. */
  readonly tls?: ConnectionOptions;
  /** Serves calls and messages the server sends back on our connections (optional). */
  readonly handlers?: CallHandlers;
  readonly connectTimeoutMs?: number;
  readonly backoffMsBase?: number;
  readonly backoffMsMax?: number;
  readonly frameBytesMax?: number;
  readonly pendingCallsMax?: number;
  readonly sendHighWaterBytes?: number;
  readonly callTimeoutMsDefault?: number;
}

/** send()'s outcome: the connection's, or 'not_connected' when a dial was started instead (the message is dropped). */
export type PoolSendOutcome = SendOutcome | 'not_connected';

interface Peer {
  connection: MuxConnection | undefined;
  connecting: Promise<MuxConnection> | undefined;
  /** Consecutive failed dials. */
  failures: number;
  /** No dial before this monotonic time. */
  retryAtMs: number;
}

/** Splits "host:port" or "[v6]:port". */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw badRequest(`bad address ${JSON.stringify(address)}: want host:port`);
  return { host, port };
}

export class WirePool {
  private readonly peers = new Map<string, Peer>();
  private closed = false;

  constructor(private readonly options: WirePoolOptions) {}

  /**
   * Calls `method` on the server at `address` ("host:port"), dialing first if needed. Rejects like
   * MuxConnection.call, plus WireError 'connect_failed' / 'backoff'. Any caller, concurrently.
   */
  call(address: string, method: string, body: unknown, options: { timeoutMs?: number } = {}): Promise<unknown> {
    // Fast path without an extra await: the common case is an open connection.
    const open = this.peers.get(address)?.connection;
    if (open !== undefined && !open.isClosed() && !this.closed) return open.call(method, body, options);
    return this.connection(address).then((connection) => connection.call(method, body, options));
  }

  /**
   * Sends a one-way message if a connection to `address` is open; otherwise starts dialing and
   * returns 'not_connected' (Raft resends from its own state). Caller: the Raft transport.
   */
  send(address: string, method: string, body: unknown): PoolSendOutcome {
    const connection = this.peer(address).connection;
    if (connection !== undefined && !connection.isClosed()) return connection.send(method, body);
    this.connection(address).catch(() => undefined);
    return 'not_connected';
  }

  /** The open connection to `address`, dialing if there is none (one dial at a time per address). */
  connection(address: string): Promise<MuxConnection> {
    if (this.closed) return Promise.reject(new WireError('closed', 'internal', 'pool closed'));
    const peer = this.peer(address);
    if (peer.connection !== undefined && !peer.connection.isClosed()) return Promise.resolve(peer.connection);
    if (peer.connecting !== undefined) return peer.connecting;
    const waitMs = peer.retryAtMs - this.options.clock.monotonicMs();
    if (waitMs > 0) return Promise.reject(new WireError('backoff', 'internal', `${address} failed ${peer.failures} time(s); next dial in ${Math.ceil(waitMs)} ms`));
    peer.connecting = this.dial(address).then(
      (connection) => this.connected(address, peer, connection),
      (error: unknown) => {
        peer.connecting = undefined;
        peer.failures++;
        const backoffMs = reconnectDelayMs(peer.failures, this.options.backoffMsBase ?? limits.wireReconnectBackoffMsBase, this.options.backoffMsMax ?? limits.wireReconnectBackoffMsMax, this.options.random);
        peer.retryAtMs = this.options.clock.monotonicMs() + backoffMs;
        throw error;
      },
    );
    return peer.connecting;
  }

  /** Closes every connection (pending calls fail with 'closed') and refuses new use. */
  async close(): Promise<void> {
    this.closed = true;
    const closing: Promise<unknown>[] = [];
    for (const peer of this.peers.values()) {
      if (peer.connection !== undefined) {
        peer.connection.close('client pool closed');
        closing.push(peer.connection.whenClosed());
      }
      if (peer.connecting !== undefined) closing.push(peer.connecting.then((connection) => connection.whenClosed(), () => undefined));
    }
    await Promise.all(closing);
    this.peers.clear();
  }

  private connected(address: string, peer: Peer, connection: MuxConnection): MuxConnection {
    peer.connecting = undefined;
    peer.failures = 0;
    peer.retryAtMs = 0;
    if (this.closed) {
      connection.close('client pool closed');
      throw new WireError('closed', 'internal', 'pool closed');
    }
    peer.connection = connection;
    void connection.whenClosed().then(() => {
      if (this.peers.get(address)?.connection === connection) peer.connection = undefined;
    });
    return connection;
  }

  private peer(address: string): Peer {
    let peer = this.peers.get(address);
    if (peer === undefined) {
      peer = { connection: undefined, connecting: undefined, failures: 0, retryAtMs: 0 };
      this.peers.set(address, peer);
    }
    return peer;
  }

  /** Opens TCP (+TLS) within connectTimeoutMs and wraps the socket; the hello goes out at once. */
  private dial(address: string): Promise<MuxConnection> {
    const { host, port } = parseAddress(address);
    const timeoutMs = this.options.connectTimeoutMs ?? limits.wireConnectTimeoutMs;
    return new Promise((resolve, reject) => {
      const tls = this.options.tls;
      const socket: Socket = tls === undefined ? connectTcp({ host, port }) : connectTls({ ...tls, host, port });
      const fail = (reason: string, refused = false): void => {
        timer.cancel();
        socket.destroy();
        reject(new WireError('connect_failed', 'internal', `connect to ${address} failed: ${reason}`, refused));
      };
      const timer = this.options.clock.setTimer(timeoutMs, () => fail(`no connection within ${timeoutMs} ms`));
      const onError = (error: NodeJS.ErrnoException): void => fail(error.message, error.code === 'ECONNREFUSED');
      socket.once('error', onError);
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
        timer.cancel();
        socket.off('error', onError);
        resolve(new MuxConnection(socket, this.connectionOptions()));
      });
    });
  }

  private connectionOptions(): MuxConnectionOptions {
    const { clock, protocol, version, handlers, frameBytesMax, pendingCallsMax, sendHighWaterBytes, callTimeoutMsDefault } = this.options;
    assert(protocol.length > 0, 'a pool names its protocol');
    return {
      clock,
      role: { type: 'dialer', protocol, version, ...(handlers === undefined ? {} : { handlers }) },
      ...(frameBytesMax === undefined ? {} : { frameBytesMax }),
      ...(pendingCallsMax === undefined ? {} : { pendingCallsMax }),
      ...(sendHighWaterBytes === undefined ? {} : { sendHighWaterBytes }),
      ...(callTimeoutMsDefault === undefined ? {} : { callTimeoutMsDefault }),
    };
  }
}
