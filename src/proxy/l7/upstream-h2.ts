// An upstream listener for an upstream whose protocol is http2 or grpc: cleartext on
// LocalBindPort, where the app speaks HTTP/2 with prior knowledge (gRPC clients do) or HTTP/1.1.
//   1. each connection's first bytes pick the server (preface.ts): h2 → the node:http2 server
//      here; HTTP/1.x → the HttpUpstream's server (it routes and sends over h2 all the same);
//   2. per HTTP/2 stream: an L7Request whose body streams (gRPC, uploads declared larger than the
//      buffer bound) or is read whole (other bodies, bounded as on HTTP/1.1, so 5xx retries can
//      resend them), through HttpUpstream.dispatch(): the same
//      faults → circuit breaker → route → timeout → retry → target pipeline;
//   3. the answer goes back with its trailers (h2-io.ts); a gRPC call that got a local answer
//      (no endpoint, overflow, timeout) gets it gRPC-shaped (grpc-local.ts);
//   4. a route RequestTimeout bounds the whole exchange, as Envoy's route timeout does: before the
//      response head it is the timeout wrapper's 504 (14 UNAVAILABLE for gRPC, as Envoy); after
//      it, a gRPC call ends with trailers
//      grpc-status 4 DEADLINE_EXCEEDED and the upstream stream is cancelled, other streams reset.

import { constants, createServer as createH2Server, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { listenOn } from '../listen.js';
import { type ProxyMetrics, RequestMetrics } from '../metrics.js';
import { DispatchError, type L7Request, type L7Response, localResponse } from './dispatch.js';
import { asGrpc, encodeGrpcMessage, grpcStatus, isGrpc } from './grpc-local.js';
import { fromH2Request, writeH2Response } from './h2-io.js';
import { readBody } from './http-io.js';
import { sniffPreface } from './preface.js';
import { failureResponse, type HttpUpstream } from './upstream-http.js';

export interface H2UpstreamOptions {
  readonly name: string;
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly metrics: ProxyMetrics;
  readonly accessLog: (entry: Record<string, unknown>) => void;
  /** The routing pipeline, and the server for HTTP/1.x connections. */
  readonly http: HttpUpstream;
}

const timeoutText = 'upstream request timeout';

export class H2Upstream {
  private readonly server: Server;
  private readonly h2: Http2Server;
  private readonly sessions = new Set<Http2Session>();
  private readonly recorded: RequestMetrics;

  constructor(private readonly options: H2UpstreamOptions) {
    this.recorded = new RequestMetrics(options.metrics, options.name);
    this.h2 = createH2Server({ settings: { maxConcurrentStreams: limits.proxyH2StreamsMax } });
    this.h2.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.on('error', () => session.destroy());
    });
    this.h2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void this.handle(stream, headers));
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => void this.accept(socket));
    this.server.maxConnections = limits.proxyUpstreamConnectionsMax;
  }

  listen(): Promise<number> {
    return listenOn(this.server, this.options.bindPort, this.options.bindAddress);
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.options.http.close();
  }

  private async accept(socket: Socket): Promise<void> {
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    const kind = await sniffPreface(socket);
    if (kind === 'closed' || socket.destroyed) return;
    if (kind === 'h2') this.h2.emit('connection', socket);
    else this.options.http.handoff(socket);
    socket.resume();
  }

  /** The L7Request for one stream: gRPC bodies stream; others are read whole (retryable) or absent. */
  private async requestOf(stream: ServerHttp2Stream, head: IncomingHttpHeaders): Promise<L7Request | undefined> {
    const { method, path, authority, headers } = fromH2Request(head);
    // Every request carries an ID (kept when the app sent one); traceparent and B3 pass through.
    if (headers['x-request-id'] === undefined) headers['x-request-id'] = this.options.random.uuid();
    if (authority !== '') headers.host = authority;
    const routing = { route: 'none', timeoutMs: 0 };
    if (stream.endAfterHeaders) return { method, path, headers, body: Buffer.alloc(0), routing };
    // gRPC, and uploads declared larger than the buffer bound, stream (retried on connect failures only).
    const declaredBytes = Number(headers['content-length'] ?? 0);
    if (isGrpc(headers) || declaredBytes > limits.proxyRequestBodyBytesMax) return { method, path, headers, body: Buffer.alloc(0), stream, routing };
    const body = await readBody(stream).catch(() => undefined);
    return body === undefined ? undefined : { method, path, headers, body, routing };
  }

  private async handle(stream: ServerHttp2Stream, head: IncomingHttpHeaders): Promise<void> {
    const { clock, name } = this.options;
    const startedMs = clock.monotonicMs();
    stream.on('error', () => undefined);
    const grpc = isGrpc(head);
    const controller = new AbortController();
    stream.once('close', () => controller.abort(new DispatchError('reset', 'client went away')));
    const request = await this.requestOf(stream, head);
    let result: L7Response = request === undefined ? localResponse(413, 'request body too large') : await this.options.http.dispatch(request, controller.signal).catch(failureResponse);
    if (grpc) result = asGrpc(result);
    const routed = request?.routing;
    const timeoutMs = routed?.timeoutMs ?? 0;
    if (timeoutMs > 0 && result.localText === undefined) result = this.withDeadline(stream, result, grpc, timeoutMs - (clock.monotonicMs() - startedMs));
    writeH2Response(stream, result);
    stream.once('close', () => {
      const durationMs = clock.monotonicMs() - startedMs;
      const route = routed?.route ?? 'none';
      const trailers = result.trailers?.();
      this.recorded.record(route, result.status, durationMs / 1000);
      this.options.accessLog({
        upstream: name,
        protocol: grpc ? 'grpc' : 'http2',
        method: head[':method'],
        path: head[':path'],
        status: result.status,
        ...(grpc ? { grpc_status: Number(result.headers['grpc-status'] ?? trailers?.['grpc-status'] ?? -1) } : {}),
        route,
        attempts: result.attempts ?? 1,
        duration_ms: Math.round(durationMs * 1000) / 1000,
        request_id: request?.headers['x-request-id'],
      });
    });
  }

  /**
   * The rest of the route timeout, once the head arrived: at expiry the upstream stream is
   * cancelled; a gRPC call then ends with grpc-status 4 in its trailers, other streams are reset.
   */
  private withDeadline(stream: ServerHttp2Stream, result: L7Response, grpc: boolean, remainingMs: number): L7Response {
    let expired = false;
    const timer = this.options.clock.setTimer(Math.max(0, remainingMs), () => {
      expired = true;
      result.body.unpipe(stream);
      result.body.destroy();
      if (grpc) stream.end();
      else stream.close(constants.NGHTTP2_CANCEL);
    });
    stream.once('close', () => timer.cancel());
    const deadlineTrailers = { 'grpc-status': String(grpcStatus.deadlineExceeded), 'grpc-message': encodeGrpcMessage(timeoutText) };
    return { ...result, trailers: () => (expired ? deadlineTrailers : result.trailers?.()) };
  }
}
