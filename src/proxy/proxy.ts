// One running proxy: follows the local agent and keeps its listeners current.
//
//   agent ──blocking queries (follow.ts)──► leaf + roots ──► MeshTls (tls.ts) ──► inbound.updateTls
//                                           intentions   ──► authorizer.invalidate + inbound.recheck
//                                           health/connect/<upstream> ──► new RoundRobinPicker
//
// Start order: the first leaf and roots (nothing can handshake without them) → public listener →
// each upstream's first endpoints → its listener. Stop aborts every watch and closes listeners.

import type { Logger } from 'pino';
import type { ApiClient } from '../api/index.js';
import { pathSegment } from '../api/index.js';
import type { Clock } from '../lib/clock.js';
import type { Random } from '../lib/random.js';
import { Authorizer } from './authorizer.js';
import type { ProxyConfig, PublicListenerConfig, UpstreamConfig } from './config.js';
import type { TLSSocket } from 'node:tls';
import type { Intention } from '../connect/intentions.js';
import { InboundHttp } from './l7/inbound-http.js';
import { InboundH2 } from './l7/inbound-h2.js';
import { H2Upstream } from './l7/upstream-h2.js';
import { MeshTransports } from './l7/transports.js';
import type { IntentionsView } from './l7/request-intentions.js';
import { CentralConfig } from './central-config.js';
import { follow, type FollowDeps } from './follow.js';
import { InboundListener } from './inbound.js';
import type { ProxyMetrics } from './metrics.js';
import { OutboundListener, type UpstreamState } from './outbound.js';
import { endpointsOf, type HealthConnectEntry, RoundRobinPicker } from './picker.js';
import { circuitLimitsOf, connectTimeoutMsOf, outlierPolicyOf } from './l7/policy.js';
import { ChainTargets } from './l7/targets.js';
import { HttpUpstream } from './l7/upstream-http.js';
import type { CompiledChain } from '../connect/discovery-chain.js';
import { type LeafAnswer, meshTls, type MeshTls, type RootsAnswer, withServerAlpn } from './tls.js';

/** How a service's traffic is carried, from its discovery chain's Protocol. */
export type ProxyMode = 'tcp' | 'http' | 'h2';

export function modeOf(protocol: string | undefined): ProxyMode {
  if (protocol === 'http') return 'http';
  if (protocol === 'http2' || protocol === 'grpc') return 'h2';
  return 'tcp';
}

/** ALPN offered by the public listener, by mode (tls.ts withServerAlpn). */
const serverAlpn: Record<ProxyMode, readonly string[] | undefined> = { tcp: undefined, http: ['http/1.1'], h2: ['h2', 'http/1.1'] };

export interface ProxyDeps {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  /** ?wait of every blocking query (tests shorten it). */
  readonly waitMs?: number;
  /** L7 access log: one JSON object per request. */
  readonly accessLog: (entry: Record<string, unknown>) => void;
}

/** What every part of one running proxy shares: its deps, the watch settings, the stop signal. */
interface ProxyRun {
  readonly deps: ProxyDeps;
  readonly followDeps: FollowDeps;
  readonly signal: AbortSignal;
  readonly onError: (name: string) => (error: unknown, failures: number) => void;
  /** L7 upstreams register here to hear about central config changes. */
  readonly central: CentralConfig;
}

interface UpstreamListener {
  listen(): Promise<number>;
  close(): Promise<void>;
}

export interface RunningProxy {
  /** The bound port of the public listener (0 when there is none). */
  readonly publicPort: number;
  /** Bound ports of the upstream listeners, by upstream name. */
  readonly upstreamPorts: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

export async function startProxy(deps: ProxyDeps, config: ProxyConfig): Promise<RunningProxy> {
  const stop = new AbortController();
  const followDeps: FollowDeps = { client: deps.client, clock: deps.clock, waitMs: deps.waitMs };
  const onError = (name: string) => (error: unknown, failures: number) => deps.logger.warn({ err: error, failures }, `watching ${name} failed; retrying`);
  const run: ProxyRun = { deps, followDeps, signal: stop.signal, onError, central: new CentralConfig(config.service) };
  const closers: (() => Promise<void>)[] = [];
  try {
    const tls = await followTls(run, config.service);
    let publicPort = 0;
    if (config.publicListener !== undefined) {
      const started = await startPublic(run, config, config.publicListener, tls);
      publicPort = started.port;
      closers.push(started.close);
    }
    const upstreamPorts = new Map<string, number>();
    for (const upstream of config.upstreams) {
      const outbound = await startUpstream(run, upstream, tls);
      upstreamPorts.set(upstream.name, await outbound.listen());
      closers.push(() => outbound.close());
      deps.logger.info({ upstream: upstream.name, address: `${upstream.bindAddress}:${upstreamPorts.get(upstream.name) ?? 0}` }, 'upstream listener started');
    }
    // Not awaited: a token that may not list service-defaults leaves the start-time config in force.
    if (!run.central.empty) {
      follow<Readonly<Record<string, unknown>>[]>(followDeps, { name: 'service-defaults', path: '/v1/config/service-defaults', onValue: (entries) => run.central.apply(entries), onError: onError('service-defaults') }, stop.signal);
    }
    return {
      publicPort,
      upstreamPorts,
      stop: async () => {
        stop.abort();
        await Promise.all(closers.map((close) => close()));
      },
    };
  } catch (error) {
    stop.abort();
    await Promise.all(closers.map((close) => close()));
    throw error;
  }
}

/**
 * The public listener: mTLS + connection authorization (inbound.ts), then by this service's
 * protocol (its discovery chain at start): tcp → L4 to the app; http → L7 with per-request
 * intentions (l7/inbound-http.ts); http2/grpc → the same over HTTP/2 for sockets that negotiated
 * ALPN h2 (l7/inbound-h2.ts, h2c to the app), HTTP/1.1 otherwise. Intentions are followed: a
 * change drops cached decisions and rechecks open connections.
 */
async function startPublic(run: ProxyRun, config: ProxyConfig, listener: PublicListenerConfig, tls: TlsFollower): Promise<{ port: number; close: () => Promise<void> }> {
  const { deps } = run;
  const authorizer = new Authorizer(deps.client, config.service);
  const own = await deps.client.query<{ Chain: CompiledChain }>(`/v1/discovery-chain/${pathSegment(config.service)}`);
  const mode = modeOf(own.value.Chain.Protocol);
  let view: IntentionsView = { intentions: [], defaultAllow: true };
  const l7Options = { ...listener, service: config.service, clock: deps.clock, random: deps.random, metrics: deps.metrics, accessLog: deps.accessLog, intentions: () => view };
  const http = mode === 'tcp' ? undefined : new InboundHttp(l7Options);
  const h2 = mode === 'h2' ? new InboundH2(l7Options) : undefined;
  const handoff =
    http === undefined
      ? undefined
      : (socket: TLSSocket, source: string) => {
          if (h2 !== undefined && socket.alpnProtocol === 'h2') h2.handoff(socket, source);
          else http.handoff(socket, source);
        };
  const alpn = serverAlpn[mode];
  const inbound = new InboundListener({ ...listener, clock: deps.clock, logger: deps.logger, authorizer, metrics: deps.metrics, handoff }, withServerAlpn(tls.current(), alpn));
  tls.onChange((next) => {
    authorizer.invalidate();
    inbound.updateTls(withServerAlpn(next, alpn));
  });
  const intentions = followIntentions(run, config.service, (next, changed) => {
    view = next;
    if (!changed) return;
    deps.logger.info({ service: config.service }, 'intentions changed');
    authorizer.invalidate();
    inbound.recheck();
  });
  await intentions;
  const port = await inbound.listen();
  deps.logger.info({ address: `${listener.bindAddress}:${port}`, app: `${listener.localAddress}:${listener.localPort}`, service: config.service, mode }, 'public listener started');
  return {
    port,
    close: async () => {
      await inbound.close();
      await h2?.close();
      await http?.close();
    },
  };
}

/** Follows the intentions naming `service`; `onView` gets each view (changed = not the first). */
function followIntentions(run: ProxyRun, service: string, onView: (view: IntentionsView, changed: boolean) => void): Promise<void> {
  const { followDeps, signal, onError } = run;
  let seen = false;
  const intentions = follow<Record<string, Intention[]>>(
    followDeps,
    {
      name: 'intentions',
      path: '/v1/connect/intentions/match',
      params: { by: 'destination', name: service },
      onValue: (value, meta) => {
        onView({ intentions: value[service] ?? [], defaultAllow: meta.defaultAclPolicy !== 'deny' }, seen);
        seen = true;
      },
      onError: onError('intentions'),
    },
    signal,
  );
  return intentions.first;
}

interface TlsFollower {
  current(): MeshTls;
  onChange(listener: (tls: MeshTls) => void): void;
}

/** Follows the leaf for `service` and the roots; resolves once both arrived. */
async function followTls(run: ProxyRun, service: string): Promise<TlsFollower> {
  const { deps, followDeps, signal, onError } = run;
  let leaf: LeafAnswer | undefined;
  let roots: RootsAnswer | undefined;
  let current: MeshTls | undefined;
  const listeners: ((tls: MeshTls) => void)[] = [];
  const rebuild = (): void => {
    if (leaf === undefined || roots === undefined) return;
    current = meshTls(leaf, roots);
    if (listeners.length > 0) deps.logger.info({ serial: leaf.SerialNumber, validBefore: leaf.ValidBefore }, 'mesh certificates updated');
    for (const listener of listeners) listener(current);
  };
  const leafWatch = follow<LeafAnswer>(followDeps, { name: 'leaf', path: `/v1/agent/connect/ca/leaf/${pathSegment(service)}`, onValue: (value) => ((leaf = value), rebuild()), onError: onError('leaf') }, signal);
  const rootsWatch = follow<RootsAnswer>(followDeps, { name: 'roots', path: '/v1/agent/connect/ca/roots', onValue: (value) => ((roots = value), rebuild()), onError: onError('roots') }, signal);
  await Promise.all([leafWatch.first, rootsWatch.first]);
  return {
    current: () => current as MeshTls,
    onChange: (listener) => listeners.push(listener),
  };
}

/**
 * Follows the upstream's discovery chain; its Protocol picks the listener: http → HTTP/1.1 L7
 * (l7/upstream-http.ts), http2/grpc → the h2 L7 listener (l7/upstream-h2.ts, which also takes
 * HTTP/1.1), anything else → L4.
 */
async function startUpstream(
  run: ProxyRun,
  upstream: UpstreamConfig,
  tls: TlsFollower,
): Promise<UpstreamListener> {
  const { deps, followDeps, signal, onError } = run;
  let chain: CompiledChain | undefined;
  // Set once the L7 listener exists; chains that arrive before are picked up by its first apply.
  const sink: { apply?: (next: CompiledChain) => Promise<void> } = {};
  const chainWatch = follow<{ Chain: CompiledChain }>(
    followDeps,
    {
      name: `chain ${upstream.name}`,
      path: `/v1/discovery-chain/${pathSegment(upstream.name)}`,
      onValue: (value) => {
        chain = value.Chain;
        void sink.apply?.(value.Chain);
      },
      onError: onError(`chain ${upstream.name}`),
    },
    signal,
  );
  await chainWatch.first;
  const mode = modeOf(chain?.Protocol);
  if (mode === 'tcp' || chain === undefined) return startL4Upstream(run, upstream, tls);
  const connectTimeoutMs = connectTimeoutMsOf(upstream.config);
  const transports = new MeshTransports({ mode, clock: deps.clock, tls: () => tls.current(), connectTimeoutMs });
  const targets = new ChainTargets({ ...followDeps, random: deps.random, clock: deps.clock, onError: onError(`upstream ${upstream.name}`) }, () => tls.current(), connectTimeoutMs, {
    maxConnections: circuitLimitsOf(upstream.config).maxConnections,
    outlier: outlierPolicyOf(upstream.config),
    onEjection: (service, endpoint, ejectionMs) => {
      deps.metrics.ejections.inc({ upstream: upstream.name });
      deps.logger.info({ upstream: upstream.name, service, endpoint, ejection_ms: ejectionMs }, 'outlier ejected');
    },
    onPoolClosed: (pool) => deps.logger.debug({ upstream: upstream.name, pool }, 'upstream pool closed'),
  }, transports);
  const http = new HttpUpstream({ ...upstream, clock: deps.clock, random: deps.random, logger: deps.logger, accessLog: deps.accessLog, metrics: deps.metrics, targets });
  run.central.register(upstream, (next) => {
    http.setConfig(next);
    targets.updatePolicy({ maxConnections: circuitLimitsOf(next).maxConnections, outlier: outlierPolicyOf(next) });
    deps.logger.info({ upstream: upstream.name }, 'upstream config changed (central config)');
  });
  const listener = mode === 'h2' ? new H2Upstream({ ...upstream, clock: deps.clock, random: deps.random, metrics: deps.metrics, accessLog: deps.accessLog, http }) : http;
  let applied = 0;
  sink.apply = (next) => {
    // A chain is used once its targets are followed; a later chain wins over a slower earlier one.
    const sequence = ++applied;
    return targets.update(next).then(() => {
      if (sequence === applied) http.setChain(next);
    });
  };
  await sink.apply(chain);
  return {
    listen: () => listener.listen(),
    close: async () => {
      await listener.close();
      await targets.close();
    },
  };
}

async function startL4Upstream(
  run: ProxyRun,
  upstream: UpstreamConfig,
  tls: TlsFollower,
): Promise<OutboundListener> {
  const { deps, followDeps, signal, onError } = run;
  let picker = new RoundRobinPicker([]);
  const watch = follow<HealthConnectEntry[]>(
    followDeps,
    {
      name: `upstream ${upstream.name}`,
      path: `/v1/health/connect/${pathSegment(upstream.name)}`,
      params: upstream.datacenter === '' ? { passing: '' } : { passing: '', dc: upstream.datacenter },
      onValue: (entries) => {
        const endpoints = endpointsOf(entries, upstream.datacenter);
        picker = new RoundRobinPicker(endpoints, endpoints.length === 0 ? 0 : deps.random.int(endpoints.length));
        deps.logger.debug({ upstream: upstream.name, endpoints: endpoints.map((endpoint) => `${endpoint.host}:${endpoint.port}`) }, 'upstream endpoints');
      },
      onError: onError(`upstream ${upstream.name}`),
    },
    signal,
  );
  await watch.first;
  const state = (): UpstreamState => ({ picker, tls: tls.current() });
  return new OutboundListener({ service: upstream.name, bindAddress: upstream.bindAddress, bindPort: upstream.bindPort, clock: deps.clock, logger: deps.logger, metrics: deps.metrics, state });
}
