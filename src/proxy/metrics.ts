// The proxy's Prometheus metrics (prom-client, one registry per proxy, never the global one) and
// the small HTTP listener that serves them on a local port (GET /metrics).

import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { listenOn } from './listen.js';

export interface ProxyMetrics {
  readonly registry: Registry;
  /** Accepted connections by listener ("public" or "upstream:<name>") and outcome. */
  readonly connections: Counter<'listener' | 'result'>;
  readonly activeConnections: Gauge<'listener'>;
  readonly bytes: Counter<'listener' | 'direction'>;
  readonly handshakeFailures: Counter<'listener'>;
  /** L7: requests by upstream, route and status code. */
  readonly requests: Counter<'upstream' | 'route' | 'code'>;
  readonly requestSeconds: Histogram<'upstream' | 'route'>;
  readonly retries: Counter<'upstream' | 'route'>;
  readonly ejections: Counter<'upstream'>;
  /** Circuit breaking: requests refused with Envoy's overflow answer, and requests waiting for a connection. */
  readonly overflows: Counter<'upstream'>;
  readonly pendingRequests: Gauge<'upstream'>;
}

export function createProxyMetrics(): ProxyMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    connections: new Counter({ name: 'taxiway_proxy_connections_total', help: 'Connections accepted, by listener and outcome', labelNames: ['listener', 'result'], registers }),
    activeConnections: new Gauge({ name: 'taxiway_proxy_active_connections', help: 'Connections open now', labelNames: ['listener'], registers }),
    bytes: new Counter({ name: 'taxiway_proxy_bytes_total', help: 'Bytes carried, by listener and direction', labelNames: ['listener', 'direction'], registers }),
    handshakeFailures: new Counter({ name: 'taxiway_proxy_tls_handshake_failures_total', help: 'TLS handshakes that failed', labelNames: ['listener'], registers }),
    requests: new Counter({ name: 'taxiway_proxy_requests_total', help: 'L7 requests, by upstream, route and status', labelNames: ['upstream', 'route', 'code'], registers }),
    requestSeconds: new Histogram({
      name: 'taxiway_proxy_request_duration_seconds',
      help: 'L7 request latency',
      labelNames: ['upstream', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    retries: new Counter({ name: 'taxiway_proxy_retries_total', help: 'L7 retries', labelNames: ['upstream', 'route'], registers }),
    ejections: new Counter({ name: 'taxiway_proxy_outlier_ejections_total', help: 'Endpoints ejected by outlier detection', labelNames: ['upstream'], registers }),
    overflows: new Counter({ name: 'taxiway_proxy_circuit_overflows_total', help: 'Requests refused by circuit breaking (503 x-envoy-overloaded)', labelNames: ['upstream'], registers }),
    pendingRequests: new Gauge({ name: 'taxiway_proxy_pending_requests', help: 'Requests waiting for a connection (circuit breaking max_connections)', labelNames: ['upstream'], registers }),
  };
}

/** Serves GET /metrics on host:port; resolves with the bound port. */
export function serveMetrics(metrics: ProxyMetrics, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  server.maxConnections = 64;
  return listenOn(server, port, host).then((bound) => ({ server, port: bound }));
}

/**
 * The per-request metrics of one L7 listener (requests by route and code, latency by route), with
 * prom-client's labeled children kept, so a request skips labels() (its label parsing and a bound
 * function per call); prom-client still hashes the labels inside each inc/observe. Routes and codes
 * are few, so the cache stays small.
 */
export class RequestMetrics {
  private readonly counters = new Map<string, { inc(): void }>();
  private readonly latencies = new Map<string, { observe(value: number): void }>();

  constructor(
    private readonly metrics: ProxyMetrics,
    private readonly upstream: string,
  ) {}

  record(route: string, status: number, seconds: number): void {
    this.count(route, status);
    let latency = this.latencies.get(route);
    if (latency === undefined) {
      latency = this.metrics.requestSeconds.labels({ upstream: this.upstream, route });
      this.latencies.set(route, latency);
    }
    latency.observe(seconds);
  }

  /** A request with no latency worth observing (one the codec refused before it was whole). */
  count(route: string, status: number): void {
    const key = `${route} ${status}`;
    let counter = this.counters.get(key);
    if (counter === undefined) {
      counter = this.metrics.requests.labels({ upstream: this.upstream, route, code: String(status) });
      this.counters.set(key, counter);
    }
    counter.inc();
  }
}
