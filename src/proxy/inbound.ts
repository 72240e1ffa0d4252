// The public listener: the only way into the service from the mesh.
//   1. TLS handshake: the client must present a certificate chained to the mesh roots
//      (requestCert + rejectUnauthorized); anything else fails in the handshake.
//   2. Its URI SAN must name one service; the agent authorizes it against intentions
//      (authorizer.ts, cached until they change). Denied → the connection is closed (L4).
//   3. Allowed → dial the local app (bounded by local_connect_timeout) and splice the two (pipe.ts),
//      or hand the socket to the L7 handler when the service speaks HTTP.
// Rotation: setSecureContext swaps the context for new handshakes; open connections keep theirs.

import { connect as netConnect, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { limits } from '../lib/limits.js';
import type { Authorizer } from './authorizer.js';
import type { ProxyMetrics } from './metrics.js';
import { splice } from './pipe.js';
import { type MeshTls, peerServiceId } from './tls.js';
import { listenOn } from './listen.js';

export interface InboundOptions {
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly authorizer: Authorizer;
  readonly metrics: ProxyMetrics;
  readonly localConnectTimeoutMs?: number;
  /** L7: takes an authorized socket instead of splicing it to the app. */
  readonly handoff?: (socket: TLSSocket, clientService: string) => void;
}

interface OpenConnection {
  readonly socket: TLSSocket;
  readonly clientUri: string;
  readonly serial: string;
}

export class InboundListener {
  private readonly server: Server;
  private readonly open = new Set<OpenConnection>();
  private handoff: InboundOptions['handoff'];

  constructor(
    private readonly options: InboundOptions,
    tls: MeshTls,
  ) {
    this.handoff = options.handoff;
    this.server = createServer({ ...tls.serverOptions, requestCert: true, rejectUnauthorized: true, allowHalfOpen: true, handshakeTimeout: limits.proxyHandshakeTimeoutMs });
    this.server.maxConnections = limits.proxyInboundConnectionsMax;
    this.server.on('secureConnection', (socket) => this.accept(socket));
    this.server.on('tlsClientError', (error, socket) => {
      options.metrics.handshakeFailures.inc({ listener: 'public' });
      options.logger.debug({ err: error, remote: socket.remoteAddress }, 'inbound handshake refused');
      socket.destroy();
    });
  }

  /** Binds and resolves with the bound port. */
  listen(): Promise<number> {
    return listenOn(this.server, this.options.bindPort, this.options.bindAddress);
  }

  /** A new leaf or new roots: new handshakes use them; open connections keep their session. */
  updateTls(tls: MeshTls): void {
    this.server.setSecureContext({ ...tls.serverOptions });
  }

  /**
   * The service's protocol changed: new connections go to `handoff` (undefined: L4 to the app),
   * and open ones are closed, so their clients reconnect into the new mode.
   */
  setHandoff(handoff: InboundOptions['handoff']): void {
    this.handoff = handoff;
    for (const connection of this.open) connection.socket.destroy();
  }

  /** After an intention change: asks again for every open connection and closes the denied ones. */
  recheck(): void {
    for (const connection of this.open) {
      this.options.authorizer.authorize(connection.clientUri, connection.serial).then(
        (answer) => {
          if (this.allowsConnection(answer)) return;
          this.options.logger.info({ client: connection.clientUri, reason: answer.Reason }, 'closing a connection its intentions now deny');
          connection.socket.destroy();
        },
        () => undefined,
      );
    }
  }

  close(): Promise<void> {
    for (const connection of this.open) connection.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** L4 decides here; an L7 intention lets the connection in and decides per request (L7 mode only). */
  private allowsConnection(answer: { Authorized: boolean; Reason: string }): boolean {
    return answer.Authorized || (this.handoff !== undefined && answer.Reason.startsWith('Matched L7 intention'));
  }

  private accept(socket: TLSSocket): void {
    const { metrics, logger } = this.options;
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    const cert = socket.getPeerCertificate();
    const peer = peerServiceId(cert);
    if (peer === undefined) {
      metrics.connections.inc({ listener: 'public', result: 'no_identity' });
      socket.destroy();
      return;
    }
    const connection = { socket, clientUri: peer.uri, serial: cert.serialNumber };
    this.open.add(connection);
    socket.once('close', () => this.open.delete(connection));
    this.options.authorizer.authorize(peer.uri, cert.serialNumber).then(
      (answer) => {
        if (!this.allowsConnection(answer)) {
          metrics.connections.inc({ listener: 'public', result: 'denied' });
          logger.info({ client: peer.uri, reason: answer.Reason }, 'inbound connection denied');
          socket.destroy();
          return;
        }
        if (socket.destroyed) return;
        metrics.connections.inc({ listener: 'public', result: 'allowed' });
        if (this.handoff !== undefined) this.handoff(socket, peer.id.service);
        else this.toLocalApp(socket);
      },
      (error: unknown) => {
        metrics.connections.inc({ listener: 'public', result: 'authorize_error' });
        logger.warn({ err: error, client: peer.uri }, 'authorize failed; closing');
        socket.destroy();
      },
    );
  }

  private toLocalApp(socket: TLSSocket): void {
    const { metrics } = this.options;
    const app: Socket = netConnect({ host: this.options.localAddress, port: this.options.localPort, allowHalfOpen: true });
    app.setNoDelay(true);
    const timer = this.options.clock.setTimer(this.options.localConnectTimeoutMs ?? limits.proxyLocalConnectTimeoutMs, () => {
      app.destroy(new Error('local app connect timeout'));
    });
    app.once('connect', () => timer.cancel());
    app.once('close', () => timer.cancel());
    metrics.activeConnections.inc({ listener: 'public' });
    splice(socket, app, {
      onClose: (error, bytes) => {
        metrics.activeConnections.dec({ listener: 'public' });
        metrics.bytes.inc({ listener: 'public', direction: 'in' }, bytes.up);
        metrics.bytes.inc({ listener: 'public', direction: 'out' }, bytes.down);
        if (error !== undefined) this.options.logger.debug({ err: error }, 'inbound connection ended with an error');
      },
    });
  }
}
