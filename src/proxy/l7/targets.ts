// The endpoints of every target of an upstream's discovery chain, and the dispatch that sends a
// request to one of them. Each target (service + subset filter + datacenter) is followed with its
// own blocking query, `/v1/health/connect/<service>?passing&filter=<subset filter>`, and started or
// stopped as the chain's targets change. Per target:
//   - a picker for its resolver's LoadBalancer (balance/load-balancer.ts), rebuilt whole when the
//     endpoints or the policy change; the request's hash comes from the policy's HashPolicies;
//   - an OutlierDetector (balance/outlier.ts) fed every answer, whose ejections the picker skips.
// Requests in flight per endpoint (least_request) are counted across targets and picker swaps.
// Requests go through one keep-alive pool per endpoint (h1/pool.ts) whose connections dial the
// endpoint's sidecar with mesh mTLS (outbound.ts dialMesh), reading the current MeshTls per new
// connection, so a rotation reaches new connections only. A pool whose endpoint no target lists
// any more is closed (its in-flight requests finish first).

import { pathSegment } from '../../api/index.js';
import type { CompiledChain } from '../../connect/discovery-chain.js';
import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { requestHash } from '../balance/hash-policy.js';
import { ActiveRequests } from '../balance/least-request.js';
import { buildPicker, hashPoliciesOf, type LoadBalancerPolicy, parseLoadBalancer } from '../balance/load-balancer.js';
import { type OutlierPolicy, OutlierDetector } from '../balance/outlier.js';
import { endpointKey, type EndpointPicker, pickWithPanic } from '../balance/picker.js';
import { follow, type FollowDeps } from '../follow.js';
import { dialMesh } from '../outbound.js';
import { type Endpoint, endpointsOf, type HealthConnectEntry } from '../picker.js';
import type { MeshTls } from '../tls.js';
import { type Dispatch, DispatchError, type L7Request, type L7Response } from './dispatch.js';
import { H1Pool } from './h1/pool.js';
import type { MeshTransports } from './transports.js';

interface FollowedTarget {
  picker: EndpointPicker;
  policy: LoadBalancerPolicy;
  /** The LoadBalancer block as JSON, to notice a change in a new chain. */
  policyText: string;
  readonly service: string;
  outlier: OutlierDetector;
  readonly stop: AbortController;
}

/** What the upstream's Config sets for its targets (policy.ts parses it). */
export interface TargetsPolicy {
  /** Upstream Config.limits.max_connections: each endpoint's pool opens at most this many; 0 = limits only. */
  readonly maxConnections?: number;
  readonly outlier?: OutlierPolicy;
  readonly onEjection?: (service: string, endpoint: string, ejectionMs: number) => void;
  /** A pool closed because no target lists its endpoint any more ("service@host:port"). */
  readonly onPoolClosed?: (pool: string) => void;
}

const poolKey = (service: string, endpoint: Endpoint): string => `${service}@${endpointKey(endpoint)}`;

/**
 * Each target's LoadBalancer: its own resolver node's; a target reached only as a failover takes
 * the LoadBalancer of the resolver that fails over to it, as Consul gives every cluster a resolver
 * node produces (its failover targets' too) that node's load balancer.
 */
export function loadBalancersOf(chain: CompiledChain): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const resolvers = Object.values(chain.Nodes).filter((node) => node.Type === 'resolver' && node.Resolver !== undefined);
  for (const node of resolvers) out.set(node.Resolver?.Target ?? '', node.LoadBalancer);
  for (const node of resolvers) for (const target of node.Resolver?.Failover?.Targets ?? []) if (!out.has(target)) out.set(target, node.LoadBalancer);
  return out;
}

export class ChainTargets {
  private readonly targets = new Map<string, FollowedTarget>();
  private readonly pools = new Map<string, H1Pool>();
  private readonly active = new ActiveRequests();

  constructor(
    private readonly deps: FollowDeps & { readonly random: Random; readonly clock: Clock; readonly onError: (error: unknown, failures: number) => void },
    private readonly tls: () => MeshTls,
    private readonly connectTimeoutMs: number,
    private policy: TargetsPolicy = {},
    /** Upgrades and HTTP/2 upstreams (transports.ts); the H1 pools carry the rest. */
    private readonly transports?: MeshTransports,
  ) {}

  /** Follows the targets of `chain`, stops following those it no longer has; resolves when all answered once. */
  async update(chain: CompiledChain): Promise<void> {
    const wanted = new Set(Object.keys(chain.Targets));
    for (const [id, target] of this.targets) {
      if (!wanted.has(id)) {
        target.stop.abort();
        this.targets.delete(id);
      }
    }
    const firsts: Promise<void>[] = [];
    const loadBalancers = loadBalancersOf(chain);
    for (const [id, target] of Object.entries(chain.Targets)) {
      const loadBalancer = loadBalancers.get(id);
      const policyText = JSON.stringify(loadBalancer ?? null);
      const known = this.targets.get(id);
      if (known !== undefined) {
        if (known.policyText !== policyText) this.setPolicy(known, parseLoadBalancer(loadBalancer), policyText);
        continue;
      }
      const policy = parseLoadBalancer(loadBalancer);
      const outlier = this.outlierFor(target.Service);
      const followed: FollowedTarget = { picker: buildPicker(policy, [], this.deps.random), policy, policyText, service: target.Service, outlier, stop: new AbortController() };
      this.targets.set(id, followed);
      firsts.push(this.followTarget(id, followed, chain, target).catch(() => undefined));
    }
    this.closeUnusedPools();
    await Promise.all(firsts);
  }

  /**
   * The upstream's Config changed (central config, followed by proxy.ts): new pools open at most
   * the new max_connections, and every target gets a fresh outlier detector for the new policy
   * (ejections in force are lifted: the old thresholds no longer apply).
   */
  updatePolicy(next: Pick<TargetsPolicy, 'maxConnections' | 'outlier'>): void {
    this.policy = { ...this.policy, ...next };
    for (const target of this.targets.values()) {
      target.outlier = this.outlierFor(target.service);
      target.outlier.setEndpoints(target.picker.endpoints.map(endpointKey));
    }
  }

  private outlierFor(service: string): OutlierDetector {
    return new OutlierDetector(this.policy.outlier ?? { consecutive5xx: 0, intervalMs: 0, baseEjectionMs: 0, maxEjectionPercent: 0, enforcingPercent: 0 }, this.deps.clock, this.deps.random, (key, ejectionMs) =>
      this.policy.onEjection?.(service, key, ejectionMs),
    );
  }

  /** A dispatch to the first of `targetIds` that has a healthy endpoint (failover order). */
  dispatchTo(targetIds: readonly string[]): { dispatch: Dispatch; endpointOf: () => Endpoint | undefined } {
    let last: Endpoint | undefined;
    const toFirst: Dispatch = (request, signal) => {
      for (const id of targetIds) {
        const target = this.targets.get(id);
        if (target === undefined) continue;
        const hashed = requestHash(hashPoliciesOf(target.policy), { headers: request.headers, path: request.path, remoteAddress: request.remote?.address ?? '', remotePort: request.remote?.port ?? 0 });
        const endpoint = pickWithPanic(target.picker, {
          hash: hashed.hash,
          random: this.deps.random,
          usable: (candidate) => !target.outlier.isEjected(endpointKey(candidate)),
          activeRequests: (candidate) => this.active.get(candidate),
        });
        if (endpoint === undefined) continue;
        last = endpoint;
        const sent = this.send(endpoint, target, request, signal);
        const cookie = hashed.setCookie;
        if (cookie === undefined) return sent;
        return sent.then((response) => {
          const cookies = response.headers['set-cookie'];
          const setCookie = cookies === undefined ? [cookie] : [...(Array.isArray(cookies) ? cookies : [cookies]), cookie];
          return { ...response, headers: { ...response.headers, 'set-cookie': setCookie } };
        });
      }
      return Promise.reject(new DispatchError('no-endpoint', `no healthy endpoint for ${targetIds.join(', ')}`));
    };
    // Not async (one promise less per request), so a synchronous failure is turned into a rejection here.
    const dispatch: Dispatch = (request, signal) => {
      try {
        return toFirst(request, signal);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    return { dispatch, endpointOf: () => last };
  }

  /** Requests in flight per endpoint (least_request's counters), for tests and debugging. */
  activeRequests(endpoint: Endpoint): number {
    return this.active.get(endpoint);
  }

  /** Open pools (one per endpoint some target lists, or that served a request since). */
  poolCount(): number {
    return this.pools.size;
  }

  async close(): Promise<void> {
    for (const target of this.targets.values()) target.stop.abort();
    this.targets.clear();
    await Promise.all([...this.pools.values()].map((pool) => pool.close().catch(() => undefined)));
    this.pools.clear();
    await this.transports?.close();
  }

  private setPolicy(target: FollowedTarget, policy: LoadBalancerPolicy, policyText: string): void {
    target.policy = policy;
    target.policyText = policyText;
    target.picker = buildPicker(policy, target.picker.endpoints, this.deps.random);
  }

  private followTarget(id: string, followed: FollowedTarget, chain: CompiledChain, target: CompiledChain['Targets'][string]): Promise<void> {
    const params: Record<string, string> = { passing: '' };
    if (target.Subset.Filter !== '') params.filter = target.Subset.Filter;
    if (target.Datacenter !== chain.Datacenter) params.dc = target.Datacenter;
    const watch = follow<HealthConnectEntry[]>(
      this.deps,
      {
        name: `target ${id}`,
        path: `/v1/health/connect/${pathSegment(target.Service)}`,
        params,
        onValue: (entries) => {
          const endpoints = endpointsOf(entries, target.Datacenter);
          followed.picker = buildPicker(followed.policy, endpoints, this.deps.random);
          followed.outlier.setEndpoints(endpoints.map(endpointKey));
          this.closeUnusedPools();
        },
        onError: this.deps.onError,
      },
      followed.stop.signal,
    );
    return watch.first;
  }

  /** Closes the pools of endpoints no followed target lists; their in-flight requests finish first. */
  private closeUnusedPools(): void {
    const listed = new Set<string>();
    for (const target of this.targets.values()) for (const endpoint of target.picker.endpoints) listed.add(poolKey(target.service, endpoint));
    this.transports?.retain(listed);
    for (const [key, pool] of this.pools) {
      if (listed.has(key)) continue;
      this.pools.delete(key);
      this.policy.onPoolClosed?.(key);
      void pool.close().catch(() => undefined);
    }
  }

  /** Sends to `endpoint`, counting it in flight and telling the outlier detector how it went. Not async: every request takes it. */
  private send(endpoint: Endpoint, target: FollowedTarget, request: L7Request, signal: AbortSignal): Promise<L7Response> {
    const release = this.active.begin(endpoint);
    const key = endpointKey(endpoint);
    let sent: Promise<L7Response>;
    try {
      sent = this.transports?.send(endpoint, target.service, request, signal) ?? this.sendPooled(endpoint, target.service, request, signal);
    } catch (error) {
      sent = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return sent.then(
      (response) => {
        target.outlier.report(key, response.status >= 500);
        // An upgraded (WebSocket) exchange is in flight until its socket closes, not its empty body.
        const ends = response.upgraded?.socket ?? response.body;
        ends.once('close', release);
        ends.once('error', release);
        return response;
      },
      (error: unknown) => {
        release();
        throw this.failureOf(error, key, target, signal);
      },
    );
  }

  /** A failed send as a DispatchError: connect failures count against the endpoint (outlier detection). */
  private failureOf(error: unknown, key: string, target: FollowedTarget, signal: AbortSignal): Error {
    if (error instanceof DispatchError) {
      if (error.kind === 'connect') target.outlier.report(key, true);
      return error;
    }
    const code = (error as { code?: string }).code ?? '';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ECONNREFUSED') {
      target.outlier.report(key, true);
      return new DispatchError('connect', (error as Error).message);
    }
    if (signal.aborted) return signal.reason instanceof Error ? signal.reason : new DispatchError('reset', 'request cancelled');
    return new DispatchError('reset', (error as Error).message);
  }

  /** HTTP/1.1 through the endpoint's pool (everything transports.ts does not carry). */
  private sendPooled(endpoint: Endpoint, service: string, request: L7Request, signal: AbortSignal): Promise<L7Response> {
    return this.poolFor(endpoint, service).request(request, signal);
  }

  private poolFor(endpoint: Endpoint, service: string): H1Pool {
    const key = poolKey(service, endpoint);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
      const maxConnections = this.policy.maxConnections ?? 0;
      pool = new H1Pool({
        connectionsMax: maxConnections > 0 ? Math.min(maxConnections, limits.proxyUpstreamPoolConnectionsMax) : limits.proxyUpstreamPoolConnectionsMax,
        dial: () => dialMesh(endpoint, this.tls(), service, this.deps.clock, this.connectTimeoutMs, ['http/1.1']),
        clock: this.deps.clock,
        defaultHost: `${host}:${endpoint.port}`,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }
}
