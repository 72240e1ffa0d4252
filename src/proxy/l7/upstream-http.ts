// An upstream listener in L7 mode (the upstream's protocol is http in service-defaults or
// proxy-defaults): HTTP/1.1 on LocalBindPort, served by the lean codec (h1/server.ts). Per request:
//   1. body read whole (bounded) → route by the current discovery chain (router.ts; split.ts draws)
//   2. the upstream-wide wrappers: fault injection → circuit breaker (policy.ts from Config)
//   3. the route's wrappers, built once per chain: timeout → retry → target dispatch (targets.ts)
//   4. the response streamed back; one JSON access-log line and metrics per request.
// The chain is followed by blocking query; a new chain replaces the routes atomically.
// An Upgrade request (WebSocket) is handed by the codec, bytes put back, to a node:http server
// that only does upgrades: it takes the same path with no body; a 101 answer splices the two
// sockets (upgrade.ts). The h2 listener (upstream-h2.ts) reuses this pipeline through dispatch():
// its streaming requests get the connect-failure-only retry policy (streaming.ts).

import type { IncomingMessage, Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { CompiledChain } from '../../connect/discovery-chain.js';
import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { type ProxyMetrics, RequestMetrics } from '../metrics.js';
import { withCircuitBreaker } from './circuit-breaker.js';
import { type Dispatch, DispatchError, type L7Request, type L7Response, localResponse } from './dispatch.js';
import { type H1Answer, type H1Context, type H1Request, type Refusal, serveH1 } from './h1/server.js';
import { withFaults } from './fault-injection.js';
import { circuitLimitsOf, faultPolicyOf, retryPolicyOf, routeFaultPolicyOf, timeoutMsOf } from './policy.js';
import { withRetry } from './retry.js';
import { rewritePath, routeRequest, type RequestFacts } from './router.js';
import { requestFacts } from './request-facts.js';
import type { ChainTargets } from './targets.js';
import { withTimeout } from './timeout.js';
import { listenOn } from '../listen.js';
import { splice } from '../pipe.js';
import { streamingRetryPolicy } from './streaming.js';
import { answerUpgrade, upgradeServer } from './upgrade.js';

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
  /** Each route's wrapped dispatch and RequestTimeout, built on first use. */
  readonly routes: Map<string, { readonly dispatch: Dispatch; readonly timeoutMs: number }>;
}

export function factsOf(request: L7Request): RequestFacts {
  return requestFacts(request.method, request.path, request.headers);
}

/** The answer for a request that got no upstream response: 504 on a route timeout, else 503. */
export function failureResponse(error: unknown): L7Response {
  const kind = error instanceof DispatchError ? error.kind : 'reset';
  return localResponse(kind === 'timeout' ? 504 : 503, error instanceof Error ? error.message : 'upstream error');
}

export class HttpUpstream {
  private readonly server: NetServer;
  /** Takes the connections whose request is an Upgrade (the codec hands them over). */
  private readonly upgrades: Server;
  /** Accepted connections, so close() can end them (net.Server.close only stops accepting). */
  private readonly sockets = new Set<Duplex>();
  private readonly recorded: RequestMetrics;
  private state: RouteState | undefined;
  private entry: Dispatch;

  constructor(private readonly options: HttpUpstreamOptions) {
    this.entry = this.upstreamWide(options.config);
    this.recorded = new RequestMetrics(options.metrics, options.name);
    this.server = createNetServer({ noDelay: true }, (socket: Socket) => this.serve(socket));
    this.server.maxConnections = limits.proxyUpstreamConnectionsMax;
    this.upgrades = upgradeServer((request, socket, head) => void this.handleUpgrade(request, socket, head));
  }

  /**
   * The upstream's Config changed (central config): the upstream-wide wrappers are rebuilt and
   * swapped in; requests already inside the old ones finish there (the new circuit breaker starts
   * counting from zero).
   */
  setConfig(config: Readonly<Record<string, unknown>>): void {
    this.entry = this.upstreamWide(config);
  }

  /** Faults → circuit breaker → routing, from the upstream's Config. */
  private upstreamWide(config: Readonly<Record<string, unknown>>): Dispatch {
    const { clock, random, metrics, name } = this.options;
    const routed: Dispatch = (request, signal) => this.dispatchRouted(request, signal);
    const circuit = withCircuitBreaker(routed, circuitLimitsOf(config), {
      onOverflow: () => metrics.overflows.inc({ upstream: name }),
      onPending: (waiting) => metrics.pendingRequests.set({ upstream: name }, waiting),
    });
    return withFaults(circuit, faultPolicyOf(config), clock, random);
  }

  /** The whole pipeline (faults → circuit breaker → route → timeout → retry → target), for the h2 listener. */
  dispatch(request: L7Request, signal: AbortSignal): Promise<L7Response> {
    return this.entry(request, signal);
  }

  /** Serves an HTTP/1.x connection accepted elsewhere (the h2 listener's preface sniffing). */
  handoff(socket: Duplex): void {
    this.serve(socket);
  }

  private serve(socket: Duplex): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    serveH1(socket, {
      clock: this.options.clock,
      handler: (request, context) => this.exchange(request, context),
      onHandoff: (handed) => this.upgrades.emit('connection', handed),
      onRefused: (refusal) => this.refused(refusal),
    });
  }

  /** A request the codec answered itself (malformed, too large, too slow): logged and counted too. */
  private refused(refusal: Refusal): void {
    const { name } = this.options;
    this.recorded.count('none', refusal.status);
    this.options.accessLog({ upstream: name, method: refusal.method, path: refusal.target, status: refusal.status, route: 'none', reason: refusal.reason });
  }

  /** A new chain from the agent: routes are rebuilt on first use. */
  setChain(chain: CompiledChain): void {
    this.state = { chain, routes: new Map() };
  }

  listen(): Promise<number> {
    return listenOn(this.server, this.options.bindPort, this.options.bindAddress);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.upgrades.closeAllConnections();
    await closed;
  }

  private dispatchRouted(request: L7Request, signal: AbortSignal): Promise<L7Response> {
    const state = this.state;
    if (state === undefined) return Promise.resolve(localResponse(503, 'no discovery chain yet'));
    const decision = routeRequest(state.chain, factsOf(request), this.options.random);
    if (decision === undefined) return Promise.resolve(localResponse(404, 'no route matched'));
    const streaming = request.stream !== undefined;
    const key = `${decision.route}|${decision.targets.join(',')}|${streaming ? 'stream' : 'buffered'}`;
    let built = state.routes.get(key);
    if (built === undefined) {
      const { clock, random, metrics, name } = this.options;
      const timeoutMs = timeoutMsOf(decision.destination);
      const target = this.options.targets.dispatchTo(decision.targets).dispatch;
      const policy = streaming ? streamingRetryPolicy(retryPolicyOf(decision.destination)) : retryPolicyOf(decision.destination);
      const retried = withRetry(target, policy, clock, random, { onRetry: () => metrics.retries.inc({ upstream: name, route: decision.route }) });
      built = { dispatch: withFaults(withTimeout(retried, clock, timeoutMs), routeFaultPolicyOf(decision.destination), clock, random), timeoutMs };
      state.routes.set(key, built);
    }
    const { dispatch, timeoutMs } = built;
    if (request.routing !== undefined) {
      request.routing.route = decision.route;
      request.routing.timeoutMs = timeoutMs;
    }
    const path = rewritePath(request.path, decision.definition, decision.destination);
    return dispatch(path === request.path ? request : { ...request, path }, signal);
  }

  /** One request from the codec: the pipeline's answer, logged once its body has been written. */
  private async exchange(request: H1Request, context: H1Context): Promise<H1Answer> {
    const { clock, name } = this.options;
    const startedMs = clock.monotonicMs();
    // Every request carries an ID (kept when the app sent one); traceparent and B3 headers pass through.
    const headers = request.headers;
    if (headers['x-request-id'] === undefined) headers['x-request-id'] = this.options.random.uuid();
    const routing = { route: 'none', timeoutMs: 0 };
    const l7: L7Request = { method: request.method, path: request.target, headers, body: request.body, remote: { address: context.remoteAddress, port: context.remotePort }, routing };
    const result = await this.entry(l7, context.signal).catch(failureResponse);
    const { route } = routing;
    result.body.once('close', () => {
      const durationMs = clock.monotonicMs() - startedMs;
      this.recorded.record(route, result.status, durationMs / 1000);
      this.options.accessLog({ upstream: name, method: l7.method, path: request.target, status: result.status, route, attempts: result.attempts ?? 1, duration_ms: Math.round(durationMs * 1000) / 1000, request_id: headers['x-request-id'] });
    });
    return result;
  }

  /** An Upgrade request: routed like the others (no body), then spliced on 101 or answered as is. */
  private async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { clock, name } = this.options;
    const startedMs = clock.monotonicMs();
    socket.on('error', () => socket.destroy());
    const headers = request.headers as Record<string, string | string[]>;
    if (headers['x-request-id'] === undefined) headers['x-request-id'] = this.options.random.uuid();
    const routing = { route: 'none', timeoutMs: 0 };
    const l7: L7Request = { method: request.method ?? 'GET', path: request.url ?? '/', headers, body: Buffer.alloc(0), upgrade: true, routing };
    const controller = new AbortController();
    const onGone = (): void => controller.abort(new DispatchError('reset', 'client went away'));
    socket.once('close', onGone);
    const result = await this.entry(l7, controller.signal).catch(failureResponse);
    socket.off('close', onGone);
    const { route } = routing;
    const log = (): void => {
      const durationMs = clock.monotonicMs() - startedMs;
      this.recorded.count(route, result.status);
      this.options.accessLog({ upstream: name, method: l7.method, path: request.url, status: result.status, route, upgrade: headers.upgrade, duration_ms: Math.round(durationMs * 1000) / 1000, request_id: headers['x-request-id'] });
    };
    if (socket.destroyed) {
      result.upgraded?.socket.destroy();
      result.body.destroy();
      return;
    }
    answerUpgrade(socket, head, result, (client, upstream) => {
      log();
      // The upgraded connection holds its circuit-breaker slot until it closes (the body's 'close').
      splice(client, upstream, { onClose: () => result.body.destroy() });
    });
    if (result.upgraded === undefined) result.body.once('end', log);
  }
}
