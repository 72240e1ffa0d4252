// The public listener in L7 mode (this service's protocol is http): after the mTLS handshake and
// the connection-level authorization (inbound.ts), each authorized socket is served by the lean
// HTTP/1.1 codec (h1/server.ts). Per request: L7 intentions (request-intentions.ts) → 403
// "RBAC: access denied" as Envoy answers, else the request goes to the local app through a
// keep-alive pool (h1/pool.ts), with a request ID and a JSON access-log line. An Upgrade request
// (WebSocket) is handed by the codec to a node:http server that only does upgrades: checked the
// same way, then sent to the app on a connection of its own and, on 101, spliced (upgrade.ts).

import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import { type ProxyMetrics, RequestMetrics } from '../metrics.js';
import { type L7Response, localResponse } from './dispatch.js';
import { type H1Answer, type H1Context, type H1Request, serveH1 } from './h1/server.js';
import { H1Pool } from './h1/pool.js';
import { type IntentionsView, requestAllowed } from './request-intentions.js';
import { requestFacts } from './request-facts.js';
import { limits } from '../../lib/limits.js';
import { splice } from '../pipe.js';
import { dialLocal } from './local-app.js';
import { answerUpgrade, sendUpgrade, upgradeServer } from './upgrade.js';

export interface InboundHttpOptions {
  readonly service: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly metrics: ProxyMetrics;
  readonly accessLog: (entry: Record<string, unknown>) => void;
  readonly intentions: () => IntentionsView;
}

export class InboundHttp {
  /** Takes the connections whose request is an Upgrade (the codec hands them over). */
  private readonly upgrades: Server;
  private readonly app: H1Pool;
  /** Connections being served, so close() can end them. */
  private readonly sockets = new Set<Socket>();
  /** The caller's service, per handed-over socket. */
  private readonly sourceOf = new WeakMap<Duplex, string>();
  private readonly recorded: RequestMetrics;

  constructor(private readonly options: InboundHttpOptions) {
    this.upgrades = upgradeServer((request, socket, head) => void this.handleUpgrade(request, socket, head));
    const { localAddress, localPort, clock } = options;
    this.recorded = new RequestMetrics(options.metrics, 'inbound');
    const host = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
    this.app = new H1Pool({
      dial: () => dialLocal(localAddress, localPort, clock, limits.proxyLocalConnectTimeoutMs),
      connectionsMax: limits.proxyUpstreamPoolConnectionsMax,
      clock,
      defaultHost: `${host}:${localPort}`,
    });
  }

  /** Takes an authorized mTLS socket whose client is `source`. */
  handoff(socket: Socket, source: string): void {
    this.sourceOf.set(socket, source);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    serveH1(socket, {
      clock: this.options.clock,
      handler: (request, context) => this.exchange(request, context, source),
      onHandoff: (handed) => this.upgrades.emit('connection', handed),
      // A request the codec answered itself (malformed, too large, too slow): logged and counted too.
      onRefused: (refusal) => {
        this.recorded.count('local_app', refusal.status);
        this.options.accessLog({ listener: 'public', source, method: refusal.method, path: refusal.target, status: refusal.status, reason: refusal.reason });
      },
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.upgrades.closeAllConnections();
    await this.app.close().catch(() => undefined);
  }

  /** Whether intentions let `source` make this request; the headers get an x-request-id first. */
  private admit(method: string, target: string, headers: Record<string, string | string[]>, source: string): boolean {
    if (headers['x-request-id'] === undefined) headers['x-request-id'] = this.options.random.uuid();
    return requestAllowed(this.options.intentions(), source, this.options.service, requestFacts(method, target, headers));
  }

  private async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { clock, localAddress, localPort } = this.options;
    const startedMs = clock.monotonicMs();
    socket.on('error', () => socket.destroy());
    const source = this.sourceOf.get(request.socket) ?? '';
    const headers = request.headers as Record<string, string | string[]>;
    let result: L7Response;
    if (!this.admit(request.method ?? 'GET', request.url ?? '/', headers, source)) result = localResponse(403, 'RBAC: access denied');
    else {
      const l7 = { method: request.method ?? 'GET', path: request.url ?? '/', headers, body: Buffer.alloc(0), upgrade: true };
      const controller = new AbortController();
      socket.once('close', () => controller.abort(new Error('client went away')));
      result = await dialLocal(localAddress, localPort, clock, limits.proxyLocalConnectTimeoutMs)
        .then((app) => sendUpgrade(app, l7, controller.signal))
        .catch((error: unknown) => localResponse(503, `local app: ${error instanceof Error ? error.message : String(error)}`));
    }
    this.options.accessLog({ listener: 'public', source, method: request.method, path: request.url, status: result.status, upgrade: headers.upgrade, duration_ms: Math.round((clock.monotonicMs() - startedMs) * 1000) / 1000, request_id: headers['x-request-id'] });
    if (socket.destroyed) {
      result.upgraded?.socket.destroy();
      return;
    }
    answerUpgrade(socket, head, result, (client, app) => splice(client, app));
  }

  /** One request from the codec: 403 or the local app's answer, logged once its body is written. */
  private async exchange(request: H1Request, context: H1Context, source: string): Promise<H1Answer> {
    const { clock } = this.options;
    const startedMs = clock.monotonicMs();
    const headers = request.headers;
    let result: L7Response;
    if (!this.admit(request.method, request.target, headers, source)) {
      result = localResponse(403, 'RBAC: access denied');
    } else {
      result = await this.app.request({ method: request.method, path: request.target, headers, body: request.body }, context.signal).catch((error: unknown) =>
        localResponse(503, `local app: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    result.body.once('close', () => {
      const durationMs = clock.monotonicMs() - startedMs;
      this.recorded.record('local_app', result.status, durationMs / 1000);
      this.options.accessLog({ listener: 'public', source, method: request.method, path: request.target, status: result.status, duration_ms: Math.round(durationMs * 1000) / 1000, request_id: headers['x-request-id'] });
    });
    return result;
  }
}
