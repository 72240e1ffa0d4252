// The public listener in L7 mode for a service whose protocol is http2 or grpc: an authorized mTLS
// socket that negotiated ALPN h2 is handed to an HTTP/2 server that never listens itself. Per
// stream: L7 intentions (request-intentions.ts) → a denial answered 403 "RBAC: access denied", or
// for a gRPC call HTTP 200 with grpc-status 7 PERMISSION_DENIED (Envoy's RBAC filter answers with a
// local reply, which Envoy shapes for gRPC callers); else the stream goes to the local app over
// h2c, on one multiplexed session (h2-sessions.ts: redialed when it closes), body and trailers
// streaming both ways.

import { createServer as createH2Server, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { type ProxyMetrics, RequestMetrics } from '../metrics.js';
import { DispatchError, type L7Response, localResponse } from './dispatch.js';
import { asGrpc, grpcLocalResponse, grpcStatus, isGrpc } from './grpc-local.js';
import { fromH2Request, sendOnSession, sessionAuthority, writeH2Response } from './h2-io.js';
import { H2Sessions } from './h2-sessions.js';
import type { InboundHttpOptions } from './inbound-http.js';
import { dialLocal } from './local-app.js';
import { requestAllowed } from './request-intentions.js';
import { requestFacts } from './request-facts.js';

const denied = 'RBAC: access denied';

export class InboundH2 {
  private readonly server: Http2Server;
  private readonly app = new H2Sessions();
  private readonly sourceOf = new WeakMap<Http2Session, string>();
  private readonly sessions = new Set<Http2Session>();
  private readonly recorded: RequestMetrics;
  /** The caller of the socket being handed over (the 'session' event fires within handoff). */
  private handingOver = '';

  constructor(private readonly options: InboundHttpOptions & { readonly clock: Clock; readonly random: Random; readonly metrics: ProxyMetrics }) {
    this.recorded = new RequestMetrics(options.metrics, 'inbound');
    this.server = createH2Server({ settings: { maxConcurrentStreams: limits.proxyH2StreamsMax } });
    this.server.on('session', (session: Http2Session) => {
      this.sourceOf.set(session, this.handingOver);
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.on('error', () => session.destroy());
    });
    this.server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void this.handle(stream, headers));
  }

  /** Takes an authorized mTLS socket (ALPN h2) whose client is `source`. */
  handoff(socket: Socket, source: string): void {
    this.handingOver = source;
    this.server.emit('connection', socket);
    this.handingOver = '';
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await this.app.close();
  }

  private async forward(stream: ServerHttp2Stream, request: ReturnType<typeof fromH2Request>, signal: AbortSignal): Promise<L7Response> {
    const { localAddress, localPort, clock } = this.options;
    try {
      const session = await this.app.session('app', () => dialLocal(localAddress, localPort, clock, limits.proxyLocalConnectTimeoutMs));
      const l7 = { method: request.method, path: request.path, headers: request.headers, body: Buffer.alloc(0), stream: stream.endAfterHeaders ? undefined : stream };
      return await sendOnSession(session, l7, request.authority === '' ? sessionAuthority(localAddress, localPort) : request.authority, signal);
    } catch (error) {
      const text = `local app: ${error instanceof Error ? error.message : String(error)}`;
      return localResponse(503, text);
    }
  }

  private async handle(stream: ServerHttp2Stream, head: IncomingHttpHeaders): Promise<void> {
    const { clock, service } = this.options;
    const startedMs = clock.monotonicMs();
    stream.on('error', () => undefined);
    const source = this.sourceOf.get(stream.session as Http2Session) ?? '';
    const request = fromH2Request(head);
    if (request.headers['x-request-id'] === undefined) request.headers['x-request-id'] = this.options.random.uuid();
    const grpc = isGrpc(request.headers);
    let result: L7Response;
    if (!requestAllowed(this.options.intentions(), source, service, requestFacts(request.method, request.path, request.headers))) {
      result = grpc ? grpcLocalResponse(grpcStatus.permissionDenied, denied) : localResponse(403, denied);
      stream.resume();
    } else {
      const controller = new AbortController();
      stream.once('close', () => controller.abort(new DispatchError('reset', 'client went away')));
      result = await this.forward(stream, request, controller.signal);
      if (grpc) result = asGrpc(result);
    }
    writeH2Response(stream, result);
    stream.once('close', () => {
      const durationMs = clock.monotonicMs() - startedMs;
      this.recorded.record('local_app', result.status, durationMs / 1000);
      const grpcCode = result.headers['grpc-status'] ?? result.trailers?.()?.['grpc-status'];
      this.options.accessLog({ listener: 'public', protocol: grpc ? 'grpc' : 'http2', source, method: request.method, path: request.path, status: result.status, ...(grpc ? { grpc_status: Number(grpcCode ?? -1) } : {}), duration_ms: Math.round(durationMs * 1000) / 1000, request_id: request.headers['x-request-id'] });
    });
  }
}
