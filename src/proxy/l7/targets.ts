// The endpoints of every target of an upstream's discovery chain, and the dispatch that sends a
// request to one of them. Each target (service + subset filter + datacenter) is followed with its
// own blocking query, `/v1/health/connect/<service>?passing&filter=<subset filter>`, and started or
// stopped as the chain's targets change. Requests go through one undici Pool per endpoint whose
// connector dials the endpoint's sidecar with mesh mTLS (outbound.ts dialMesh), reading the
// current MeshTls per new connection, so a rotation reaches new connections only.

import { Pool } from 'undici';
import { pathSegment } from '../../api/index.js';
import type { CompiledChain } from '../../connect/discovery-chain.js';
import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { follow, type FollowDeps } from '../follow.js';
import { dialMesh } from '../outbound.js';
import { type Endpoint, endpointsOf, type HealthConnectEntry, RoundRobinPicker } from '../picker.js';
import type { MeshTls } from '../tls.js';
import { type Dispatch, DispatchError, type L7Request, type L7Response } from './dispatch.js';
import type { MeshTransports } from './transports.js';

interface FollowedTarget {
  picker: RoundRobinPicker;
  readonly service: string;
  readonly stop: AbortController;
}

/** Headers that belong to one hop and are not forwarded (RFC 9110 §7.6.1; undici refuses some). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

export function forwardHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !hopByHop.has(name)) out[name] = value;
  return out;
}

export class ChainTargets {
  private readonly targets = new Map<string, FollowedTarget>();
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly deps: FollowDeps & { readonly random: Random; readonly clock: Clock; readonly onError: (error: unknown, failures: number) => void },
    private readonly tls: () => MeshTls,
    private readonly connectTimeoutMs: number,
    /** Upgrades and HTTP/2 upstreams (transports.ts); the undici pools carry the rest. */
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
    for (const [id, target] of Object.entries(chain.Targets)) {
      if (this.targets.has(id)) continue;
      const followed: FollowedTarget = { picker: new RoundRobinPicker([]), service: target.Service, stop: new AbortController() };
      this.targets.set(id, followed);
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
            followed.picker = new RoundRobinPicker(endpoints, endpoints.length === 0 ? 0 : this.deps.random.int(endpoints.length));
          },
          onError: this.deps.onError,
        },
        followed.stop.signal,
      );
      firsts.push(watch.first.catch(() => undefined));
    }
    await Promise.all(firsts);
  }

  /** A dispatch to the first of `targetIds` that has a healthy endpoint (failover order). */
  dispatchTo(targetIds: readonly string[]): { dispatch: Dispatch; endpointOf: () => Endpoint | undefined } {
    let last: Endpoint | undefined;
    const dispatch: Dispatch = async (request, signal) => {
      for (const id of targetIds) {
        const target = this.targets.get(id);
        const endpoint = target?.picker.pick();
        if (target === undefined || endpoint === undefined) continue;
        last = endpoint;
        return this.send(endpoint, target.service, request, signal);
      }
      throw new DispatchError('no-endpoint', `no healthy endpoint for ${targetIds.join(', ')}`);
    };
    return { dispatch, endpointOf: () => last };
  }

  async close(): Promise<void> {
    for (const target of this.targets.values()) target.stop.abort();
    this.targets.clear();
    await Promise.all([...this.pools.values()].map((pool) => pool.close().catch(() => undefined)));
    this.pools.clear();
    await this.transports?.close();
  }

  private async send(endpoint: Endpoint, service: string, request: L7Request, signal: AbortSignal): Promise<L7Response> {
    const other = this.transports?.send(endpoint, service, request, signal);
    if (other !== undefined) return other;
    const pool = this.poolFor(endpoint, service);
    try {
      const response = await pool.request({ method: request.method, path: request.path, headers: forwardHeaders(request.headers), body: request.body.length > 0 ? request.body : undefined, signal });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      if (error instanceof DispatchError) throw error;
      const code = (error as { code?: string }).code ?? '';
      if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ECONNREFUSED') throw new DispatchError('connect', (error as Error).message);
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new DispatchError('reset', 'request cancelled');
      throw new DispatchError('reset', (error as Error).message);
    }
  }

  private poolFor(endpoint: Endpoint, service: string): Pool {
    const key = `${service}@${endpoint.host}:${endpoint.port}`;
    let pool = this.pools.get(key);
    if (pool === undefined) {
      const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
      pool = new Pool(`http://${host}:${endpoint.port}`, {
        connections: limits.proxyUpstreamPoolConnectionsMax,
        connect: (_options, callback) => {
          dialMesh(endpoint, this.tls(), service, this.deps.clock, this.connectTimeoutMs, ['http/1.1']).then(
            (socket) => callback(null, socket),
            (error: unknown) => callback(new DispatchError('connect', error instanceof Error ? error.message : String(error)), null),
          );
        },
      });
      this.pools.set(key, pool);
    }
    return pool;
  }
}
