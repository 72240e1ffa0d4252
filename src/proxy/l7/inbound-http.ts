// The public listener in L7 mode (this service's protocol is http): after the mTLS handshake and
// the connection-level authorization (inbound.ts), each authorized socket is handed to an HTTP
// server that never listens itself. Per request: L7 intentions (request-intentions.ts) → 403
// "RBAC: access denied" as Envoy answers, else the request goes to the local app through an undici
// pool, with a request ID and a JSON access-log line. An Upgrade request (WebSocket) is checked the
// same way, then sent to the app on a connection of its own and, on 101, spliced (upgrade.ts).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Pool } from 'undici';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import type { ProxyMetrics } from '../metrics.js';
import { type L7Response, localResponse } from './dispatch.js';
import { readBody, writeResponse } from './http-io.js';
import { type IntentionsView, requestAllowed } from './request-intentions.js';
import { requestFacts } from './request-facts.js';
import { forwardHeaders } from './targets.js';
import { limits } from '../../lib/limits.js';
import { splice } from '../pipe.js';
import { dialLocal } from './local-app.js';
import { answerUpgrade, sendUpgrade } from './upgrade.js';

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
  private readonly server: Server;
  private readonly app: Pool;
  /** The caller's service, per handed-over socket. */
  private readonly sourceOf = new WeakMap<Socket, string>();

  constructor(private readonly options: InboundHttpOptions) {
    this.server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => void this.handle(request, response));
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(request, socket, head));
    const host = options.localAddress.includes(':') ? `[${options.localAddress}]` : options.localAddress;
    this.app = new Pool(`http://${host}:${options.localPort}`);
  }

  /** Takes an authorized mTLS socket whose client is `source`. */
  handoff(socket: Socket, source: string): void {
    this.sourceOf.set(socket, source);
    this.server.emit('connection', socket);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await this.app.close().catch(() => undefined);
  }

  /** The caller, the request's headers (with an x-request-id) and whether intentions allow it. */
  private admit(request: IncomingMessage): { source: string; headers: Record<string, string | string[]>; allowed: boolean } {
    const source = this.sourceOf.get(request.socket) ?? '';
    const headers = request.headers as Record<string, string | string[]>;
    if (headers['x-request-id'] === undefined) headers['x-request-id'] = this.options.random.uuid();
    const allowed = requestAllowed(this.options.intentions(), source, this.options.service, requestFacts(request.method ?? 'GET', request.url ?? '/', headers));
    return { source, headers, allowed };
  }

  private async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { clock, localAddress, localPort } = this.options;
    const startedMs = clock.monotonicMs();
    socket.on('error', () => socket.destroy());
    const { source, headers, allowed } = this.admit(request);
    let result: L7Response;
    if (!allowed) result = localResponse(403, 'RBAC: access denied');
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

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { clock, metrics } = this.options;
    const startedMs = clock.monotonicMs();
    const { source, headers, allowed } = this.admit(request);
    let result: L7Response;
    const body = await readBody(request).catch(() => undefined);
    if (!allowed) {
      result = localResponse(403, 'RBAC: access denied');
    } else if (body === undefined) {
      result = localResponse(413, 'request body too large');
    } else {
      try {
        const answer = await this.app.request({ method: (request.method ?? 'GET'), path: request.url ?? '/', headers: forwardHeaders(headers), body: body.length > 0 ? body : undefined });
        result = { status: answer.statusCode, headers: answer.headers, body: answer.body };
      } catch (error) {
        result = localResponse(503, `local app: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    writeResponse(response, result);
    response.once('finish', () => {
      const durationMs = clock.monotonicMs() - startedMs;
      metrics.requests.inc({ upstream: 'inbound', route: 'local_app', code: String(result.status) });
      metrics.requestSeconds.observe({ upstream: 'inbound', route: 'local_app' }, durationMs / 1000);
      this.options.accessLog({ listener: 'public', source, method: request.method, path: request.url, status: result.status, duration_ms: Math.round(durationMs * 1000) / 1000, request_id: headers['x-request-id'] });
    });
  }
}
