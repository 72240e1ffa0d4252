// One upstream listener: plain TCP on LocalBindAddress:LocalBindPort for the local app.
//   1. A connection arrives → the current picker gives a healthy endpoint (none → close).
//   2. Dial the endpoint's sidecar with mTLS: our leaf as client certificate, the mesh roots as
//      CA, and the server's URI SAN must be the upstream service's SPIFFE ID (tls.ts).
//   3. Splice the two (pipe.ts). A dial failure closes the app's connection.
// The picker and the TLS material are read per connection, so updates apply to new connections.

import { createServer, type Server, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { limits } from '../lib/limits.js';
import type { ProxyMetrics } from './metrics.js';
import type { Endpoint, RoundRobinPicker } from './picker.js';
import { splice } from './pipe.js';
import { expectServiceIdentity, type MeshTls } from './tls.js';
import { listenOn } from './listen.js';

export interface UpstreamState {
  readonly picker: RoundRobinPicker;
  readonly tls: MeshTls;
}

export interface OutboundOptions {
  /** The destination service name (its SPIFFE identity is checked). */
  readonly service: string;
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  /** Read per connection; undefined until the first endpoints and certificates arrived. */
  readonly state: () => UpstreamState | undefined;
  readonly connectTimeoutMs?: number;
}

/**
 * Dials `endpoint` with mesh mTLS, checking that it is `service`; resolves once the handshake is
 * done. `alpn` is offered when given (L7: h2 or http/1.1); L4 offers none.
 */
export function dialMesh(endpoint: Endpoint, tls: MeshTls, service: string, clock: Clock, timeoutMs: number, alpn?: readonly string[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // allowHalfOpen is passed on to the TLSSocket by Node though its typings leave it out.
    const options: ConnectionOptions & { allowHalfOpen: boolean } = {
      host: endpoint.host,
      port: endpoint.port,
      secureContext: tls.context,
      checkServerIdentity: expectServiceIdentity(tls.trustDomain, service),
      // No SNI: the peer is addressed by identity, not name (an IP would be refused as SNI anyway).
      servername: '',
      allowHalfOpen: true,
      ...(alpn === undefined ? {} : { ALPNProtocols: [...alpn] }),
    };
    const socket = tlsConnect(options);
    const timer = clock.setTimer(timeoutMs, () => socket.destroy(new Error(`connecting to ${endpoint.host}:${endpoint.port} timed out after ${timeoutMs} ms`)));
    const onError = (error: Error): void => {
      timer.cancel();
      reject(error);
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      timer.cancel();
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

export class OutboundListener {
  private readonly server: Server;
  private readonly label: string;
  /** Accepted connections, so close() can end them (net.Server.close only stops accepting). */
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: OutboundOptions) {
    this.label = `upstream:${options.service}`;
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket));
    this.server.maxConnections = limits.proxyUpstreamConnectionsMax;
  }

  listen(): Promise<number> {
    return listenOn(this.server, this.options.bindPort, this.options.bindAddress);
  }

  /** Stops accepting and ends every open connection (both directions) at once. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }

  private accept(socket: Socket): void {
    const { metrics, logger } = this.options;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    const state = this.options.state();
    const endpoint = state?.picker.pick();
    if (state === undefined || endpoint === undefined) {
      metrics.connections.inc({ listener: this.label, result: 'no_endpoint' });
      logger.warn({ upstream: this.options.service }, 'no healthy endpoint for upstream; closing');
      socket.destroy();
      return;
    }
    dialMesh(endpoint, state.tls, this.options.service, this.options.clock, this.options.connectTimeoutMs ?? limits.proxyUpstreamConnectTimeoutMs).then(
      (remote) => {
        if (socket.destroyed) {
          remote.destroy();
          return;
        }
        metrics.connections.inc({ listener: this.label, result: 'connected' });
        metrics.activeConnections.inc({ listener: this.label });
        splice(socket, remote, {
          onClose: (_error, bytes) => {
            metrics.activeConnections.dec({ listener: this.label });
            metrics.bytes.inc({ listener: this.label, direction: 'out' }, bytes.up);
            metrics.bytes.inc({ listener: this.label, direction: 'in' }, bytes.down);
          },
        });
        socket.resume();
      },
      (error: unknown) => {
        metrics.connections.inc({ listener: this.label, result: 'dial_failed' });
        metrics.handshakeFailures.inc({ listener: this.label });
        logger.warn({ err: error, upstream: this.options.service, endpoint: endpoint.id }, 'dialing the upstream failed');
        socket.destroy();
      },
    );
  }
}
