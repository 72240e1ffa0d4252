// WireServer: one listening port (TCP, or TLS when given certificates) that serves several
// protocols, told apart by the hello frame each connection opens with — the equivalent of the
// first byte Consul reads on its RPC port to choose between RPC, Raft and TLS. Bounds: a
// connection cap (excess connections are closed by the kernel-facing server at accept), a
// handshake timeout, and per-connection pending-call and frame limits (mux-connection.ts).

import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import { type AcceptDecision, type CallHandlers, MuxConnection } from './mux-connection.js';

/** One protocol the server speaks, with the versions it accepts. */
export interface ProtocolService {
  readonly versionMin: number;
  readonly versionMax: number;
  readonly handlers: CallHandlers;
}

export interface WireServerOptions {
  readonly host: string;
  /** 0 picks a free port; address() tells which. */
  readonly port: number;
  readonly clock: Clock;
  /** Protocol name ('raft', 'rpc', …) → service. */
  readonly protocols: Readonly<Record<string, ProtocolService>>;
  /** Certificates and client-auth settings; absent = plain TCP. */
  readonly tls?: TlsOptions;
  readonly connectionsMax?: number;
  readonly frameBytesMax?: number;
  readonly pendingCallsMax?: number;
  readonly sendHighWaterBytes?: number;
  readonly handshakeTimeoutMs?: number;
  readonly replyBacklogBytesMax?: number;
}

export class WireServer {
  private readonly connections = new Set<MuxConnection>();

  private constructor(
    private readonly server: Server,
    private readonly options: WireServerOptions,
  ) {}

  /** Starts listening; resolves once bound. Caller: the server agent at start. */
  static listen(options: WireServerOptions): Promise<WireServer> {
    // A TLS client that never finishes its handshake is bounded like one that never sends hello.
    const handshakeTimeout = options.handshakeTimeoutMs ?? limits.wireHandshakeTimeoutMs;
    const server = options.tls === undefined ? createTcpServer() : createTlsServer({ handshakeTimeout, ...options.tls });
    const wire = new WireServer(server, options);
    server.maxConnections = options.connectionsMax ?? limits.wireServerConnectionsMax;
    if (options.tls === undefined) server.on('connection', (socket: Socket) => wire.adopt(socket));
    else server.on('secureConnection', (socket: Socket) => wire.adopt(socket));
    // A failed TLS handshake concerns that client only; the socket is already destroyed.
    server.on('tlsClientError', () => undefined);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve(wire);
      });
    });
  }

  /** The bound address. */
  address(): { host: string; port: number } {
    const bound = this.server.address();
    if (bound === null || typeof bound === 'string') return { host: this.options.host, port: 0 };
    return { host: bound.address, port: bound.port };
  }

  /** Open connections, for tests and metrics. */
  connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, closes every connection (their pending calls fail with 'closed'; peers get
   * goaway) and resolves when all sockets are gone. Caller: the agent at shutdown.
   */
  async close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const closing = [...this.connections].map((connection) => {
      connection.close('server shutting down');
      return connection.whenClosed();
    });
    await Promise.all(closing);
    await stopped;
  }

  private adopt(socket: Socket): void {
    const connection = new MuxConnection(socket, {
      clock: this.options.clock,
      role: { type: 'acceptor', accept: (protocol, version) => this.accept(protocol, version) },
      ...(this.options.frameBytesMax === undefined ? {} : { frameBytesMax: this.options.frameBytesMax }),
      ...(this.options.pendingCallsMax === undefined ? {} : { pendingCallsMax: this.options.pendingCallsMax }),
      ...(this.options.sendHighWaterBytes === undefined ? {} : { sendHighWaterBytes: this.options.sendHighWaterBytes }),
      ...(this.options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: this.options.handshakeTimeoutMs }),
      ...(this.options.replyBacklogBytesMax === undefined ? {} : { replyBacklogBytesMax: this.options.replyBacklogBytesMax }),
    });
    this.connections.add(connection);
    void connection.whenClosed().then(() => this.connections.delete(connection));
  }

  private accept(protocol: string, version: number): AcceptDecision {
    const service = Object.hasOwn(this.options.protocols, protocol) ? this.options.protocols[protocol] : undefined;
    if (service === undefined) return { type: 'reject', code: 'bad_request', message: `unknown protocol ${JSON.stringify(protocol)}` };
    if (version < service.versionMin || version > service.versionMax) {
      return { type: 'reject', code: 'bad_request', message: `protocol ${protocol} version ${version} not supported (${service.versionMin}–${service.versionMax})` };
    }
    return { type: 'accept', handlers: service.handlers };
  }
}
