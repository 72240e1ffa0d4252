// An upstream listener in L7 mode (the upstream's protocol is http in service-defaults or
// proxy-defaults): an HTTP/1.1 server on LocalBindPort. Per request:
//   1. body read (bounded) → route by the current discovery chain (router.ts; split.ts draws)
//   2. the upstream-wide wrappers: fault injection → circuit breaker (policy.ts from Config)
//   3. the route's wrappers, built once per chain: timeout → retry → target dispatch (targets.ts)
//   4. the response streamed back; one JSON access-log line and metrics per request.
// The chain is followed by blocking query; a new chain replaces the routes atomically.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CompiledChain } from '../../connect/discovery-chain.js';
import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import type { ProxyMetrics } from '../metrics.js';
import { withCircuitBreaker } from './circuit-breaker.js';
import { type Dispatch, DispatchError, type L7Request, type L7Response, localResponse } from './dispatch.js';
import { readBody, writeResponse } from './http-io.js';
import { withFaults } from './fault-injection.js';
import { circuitLimitsOf, faultPolicyOf, retryPolicyOf, routeFaultPolicyOf, timeoutMsOf } from './policy.js';
import { withRetry } from './retry.js';
import { rewritePath, routeRequest, type RequestFacts } from './router.js';
import type { ChainTargets } from './targets.js';
import { withTimeout } from './timeout.js';
import { listenOn } from '../listen.js';

export interface HttpUpstreamOptions {
  readonly name: string;
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** One JSON line per request. */
  readonly accessLog: (entry: Record<string, unknown>) => void;
  readonly metrics: ProxyMetrics;
  readonly targets: ChainTargets;
}

interface RouteState {
  readonly chain: CompiledChain;
  readonly routes: Map<string, Dispatch>;
}

export function factsOf(request: L7Request): RequestFacts {
  const url = new URL(request.path, 'http://upstream');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
  return { path: url.pathname, method: request.method, headers, query: Object.fromEntries(url.searchParams) };
}

export class HttpUpstream {
  private readonly server: Server;
  private state: RouteState | undefined;
  private readonly entry: Dispatch;
  /** The route each request took, for its access-log line. */
  private readonly routeOf = new WeakMap<L7Request, string>();

  constructor(private readonly options: HttpUpstreamOptions) {
    const routed: Dispatch = (request, signal) => this.dispatchRouted(request, signal);
    const circuit = withCircuitBreaker(routed, circuitLimitsOf(options.config));
    this.entry = withFaults(circuit, faultPolicyOf(options.config), options.clock, options.random);
    this.server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => void this.handle(request, response));
    this.server.maxConnections = limits.proxyUpstreamConnectionsMax;
  }

  /** A new chain from the agent: routes are rebuilt on first use. */
  setChain(chain: CompiledChain): void {
    this.state = { chain, routes: new Map() };
  }

  listen(): Promise<number> {
    return listenOn(this.server, this.options.bindPort, this.options.bindAddress);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private dispatchRouted(request: L7Request, signal: AbortSignal): Promise<L7Response> {
    const state = this.state;
    if (state === undefined) return Promise.resolve(localResponse(503, 'no discovery chain yet'));
    const decision = routeRequest(state.chain, factsOf(request), this.options.random);
    if (decision === undefined) return Promise.resolve(localResponse(404, 'no route matched'));
    const key = `${decision.route}|${decision.targets.join(',')}`;
    let dispatch = state.routes.get(key);
    if (dispatch === undefined) {
      const { clock, random, metrics, name } = this.options;
      const target = this.options.targets.dispatchTo(decision.targets).dispatch;
      const retried = withRetry(target, retryPolicyOf(decision.destination), clock, random, { onRetry: () => metrics.retries.inc({ upstream: name, route: decision.route }) });
      dispatch = withFaults(withTimeout(retried, clock, timeoutMsOf(decision.destination)), routeFaultPolicyOf(decision.destination), clock, random);
      state.routes.set(key, dispatch);
    }
    this.routeOf.set(request, decision.route);
    const path = rewritePath(request.path, decision.definition, decision.destination);
    return dispatch(path === request.path ? request : { ...request, path }, signal);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { clock, metrics, name } = this.options;
    const startedMs = clock.monotonicMs();
    const body = await readBody(request).catch(() => undefined);
    const controller = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) controller.abort(new DispatchError('reset', 'client went away'));
    });
    // Every request carries an ID (kept when the app sent one); traceparent and B3 headers pass through.
    const headers = request.headers as Record<string, string | string[]>;
    if (headers['x-request-id'] === undefined) headers['x-request-id'] = this.options.random.uuid();
    const l7: L7Request = { method: request.method ?? 'GET', path: request.url ?? '/', headers, body: body ?? Buffer.alloc(0), remote: { address: request.socket.remoteAddress ?? '', port: request.socket.remotePort ?? 0 } };
    let result: L7Response;
    if (body === undefined) result = localResponse(413, 'request body too large');
    else {
      try {
        result = await this.entry(l7, controller.signal);
      } catch (error) {
        const kind = error instanceof DispatchError ? error.kind : 'reset';
        result = localResponse(kind === 'timeout' ? 504 : 503, error instanceof Error ? error.message : 'upstream error');
      }
    }
    const route = this.routeOf.get(l7) ?? 'none';
    writeResponse(response, result);
    response.once('finish', () => {
      const durationMs = clock.monotonicMs() - startedMs;
      metrics.requests.inc({ upstream: name, route, code: String(result.status) });
      metrics.requestSeconds.observe({ upstream: name, route }, durationMs / 1000);
      this.options.accessLog({ upstream: name, method: l7.method, path: request.url, status: result.status, route, attempts: result.attempts ?? 1, duration_ms: Math.round(durationMs * 1000) / 1000, request_id: request.headers['x-request-id'] });
    });
  }
}
