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
import { InboundListener, type InboundOptions } from './inbound.js';
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
    // Followed for every registered upstream, L4 ones too: a protocol change may make them L7.
    if (config.upstreams.some((upstream) => upstream.localConfig !== undefined)) {
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
  let view: IntentionsView = { intentions: [], defaultAllow: true };
  const l7Options = { ...listener, service: config.service, clock: deps.clock, random: deps.random, metrics: deps.metrics, accessLog: deps.accessLog, intentions: () => view };
  const http = new InboundHttp(l7Options);
  const h2 = new InboundH2(l7Options);
  const handoffFor = (mode: ProxyMode): InboundOptions['handoff'] => {
    if (mode === 'tcp') return undefined;
    return (socket: TLSSocket, source: string) => {
      if (mode === 'h2' && socket.alpnProtocol === 'h2') h2.handoff(socket, source);
      else http.handoff(socket, source);
    };
  };
  // The mode follows this service's own discovery chain: a protocol change switches new
  // connections (and the ALPN offered) and closes the open ones.
  let mode: ProxyMode | undefined;
  // Set once the listener exists: chains that arrive before only set the starting mode.
  const live: { inbound?: InboundListener } = {};
  const own = follow<{ Chain: CompiledChain }>(
    run.followDeps,
    {
      name: `chain ${config.service}`,
      path: `/v1/discovery-chain/${pathSegment(config.service)}`,
      onValue: (value) => {
        const next = modeOf(value.Chain.Protocol);
        if (next === mode) return;
        if (live.inbound !== undefined) deps.logger.info({ service: config.service, from: mode, to: next }, 'service protocol changed; public listener switches mode');
        mode = next;
        live.inbound?.updateTls(withServerAlpn(tls.current(), serverAlpn[next]));
        live.inbound?.setHandoff(handoffFor(next));
      },
      onError: run.onError(`chain ${config.service}`),
    },
    run.signal,
  );
  await own.first;
  const startMode = mode ?? 'tcp';
  const started = new InboundListener({ ...listener, clock: deps.clock, logger: deps.logger, authorizer, metrics: deps.metrics, handoff: handoffFor(startMode) }, withServerAlpn(tls.current(), serverAlpn[startMode]));
  live.inbound = started;
  tls.onChange((next) => {
    authorizer.invalidate();
    started.updateTls(withServerAlpn(next, serverAlpn[mode ?? 'tcp']));
  });
  const intentions = followIntentions(run, config.service, (next, changed) => {
    view = next;
    if (!changed) return;
    deps.logger.info({ service: config.service }, 'intentions changed');
    authorizer.invalidate();
    started.recheck();
  });
  await intentions;
  const port = await started.listen();
  deps.logger.info({ address: `${listener.bindAddress}:${port}`, app: `${listener.localAddress}:${listener.localPort}`, service: config.service, mode: startMode }, 'public listener started');
  return {
    port,
    close: async () => {
      await started.close();
      await h2.close();
      await http.close();
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
 * Follows the upstream's discovery chain for the proxy's life. Its Protocol picks the listener
 * (tcp → L4, http → HTTP/1.1 L7, http2/grpc → h2 L7); a chain of the same mode is applied in place
 * (L7 routes swap atomically), one of another mode replaces the listener on the same port: the old
 * one closes (its connections with it, as Envoy's drained listener would), the new one listens.
 */
async function startUpstream(run: ProxyRun, upstream: UpstreamConfig, tls: TlsFollower): Promise<UpstreamListener> {
  const { deps, followDeps, signal, onError } = run;
  let current: ModeListener | undefined;
  let boundPort = upstream.bindPort;
  // Chains are handled one at a time, in order: a switch finishes before the next chain is looked at.
  let queue = Promise.resolve();
  let first: CompiledChain | undefined;
  const onChain = async (chain: CompiledChain): Promise<void> => {
    if (current === undefined) return;
    const mode = modeOf(chain.Protocol);
    if (mode === current.mode) return current.applyChain?.(chain);
    deps.logger.info({ upstream: upstream.name, from: current.mode, to: mode }, 'upstream protocol changed; replacing its listener');
    await current.close();
    current = await startModeListener(run, { ...upstream, bindPort: boundPort }, tls, mode, chain);
    boundPort = await current.listen();
  };
  const chainWatch = follow<{ Chain: CompiledChain }>(
    followDeps,
    {
      name: `chain ${upstream.name}`,
      path: `/v1/discovery-chain/${pathSegment(upstream.name)}`,
      onValue: (value) => {
        first ??= value.Chain;
        queue = queue.then(() => onChain(value.Chain)).catch((error: unknown) => deps.logger.error({ err: error, upstream: upstream.name }, 'applying a new discovery chain failed'));
      },
      onError: onError(`chain ${upstream.name}`),
    },
    signal,
  );
  await chainWatch.first;
  const chain = first as CompiledChain;
  current = await startModeListener(run, upstream, tls, modeOf(chain.Protocol), chain);
  return {
    listen: async () => {
      boundPort = await (current as ModeListener).listen();
      return boundPort;
    },
    close: async () => {
      await queue;
      await current?.close();
    },
  };
}

/** One upstream listener of one mode; L7 ones take later chains of their mode in place. */
interface ModeListener extends UpstreamListener {
  readonly mode: ProxyMode;
  applyChain?(chain: CompiledChain): Promise<void>;
}

function startModeListener(run: ProxyRun, upstream: UpstreamConfig, tls: TlsFollower, mode: ProxyMode, chain: CompiledChain): Promise<ModeListener> {
  return mode === 'tcp' ? startL4Upstream(run, upstream, tls) : startL7Upstream(run, upstream, tls, mode, chain);
}

async function startL7Upstream(run: ProxyRun, upstream: UpstreamConfig, tls: TlsFollower, mode: 'http' | 'h2', chain: CompiledChain): Promise<ModeListener> {
  const { deps, followDeps, onError } = run;
  // Central config may have changed since start (this listener may replace another one).
  const config = run.central.effective(upstream);
  const connectTimeoutMs = connectTimeoutMsOf(config);
  const transports = new MeshTransports({ mode, clock: deps.clock, tls: () => tls.current(), connectTimeoutMs });
  const targets = new ChainTargets({ ...followDeps, random: deps.random, clock: deps.clock, onError: onError(`upstream ${upstream.name}`) }, () => tls.current(), connectTimeoutMs, {
    maxConnections: circuitLimitsOf(config).maxConnections,
    outlier: outlierPolicyOf(config),
    onEjection: (service, endpoint, ejectionMs) => {
      deps.metrics.ejections.inc({ upstream: upstream.name });
      deps.logger.info({ upstream: upstream.name, service, endpoint, ejection_ms: ejectionMs }, 'outlier ejected');
    },
    onPoolClosed: (pool) => deps.logger.debug({ upstream: upstream.name, pool }, 'upstream pool closed'),
  }, transports);
  const http = new HttpUpstream({ ...upstream, config, clock: deps.clock, random: deps.random, logger: deps.logger, accessLog: deps.accessLog, metrics: deps.metrics, targets });
  run.central.register(upstream, config, (next) => {
    http.setConfig(next);
    targets.updatePolicy({ maxConnections: circuitLimitsOf(next).maxConnections, outlier: outlierPolicyOf(next) });
    deps.logger.info({ upstream: upstream.name }, 'upstream config changed (central config)');
  });
  const listener = mode === 'h2' ? new H2Upstream({ ...upstream, clock: deps.clock, random: deps.random, metrics: deps.metrics, accessLog: deps.accessLog, http }) : http;
  // A chain is used once its targets are followed (chains reach here one at a time, in order).
  const applyChain = async (next: CompiledChain): Promise<void> => {
    await targets.update(next);
    http.setChain(next);
  };
  await applyChain(chain);
  return {
    mode,
    applyChain,
    listen: () => listener.listen(),
    close: async () => {
      run.central.forget(upstream.name);
      await listener.close();
      await targets.close();
    },
  };
}

async function startL4Upstream(run: ProxyRun, upstream: UpstreamConfig, tls: TlsFollower): Promise<ModeListener> {
  const { deps, followDeps, onError } = run;
  // Its own stop: a protocol change closes this listener while the proxy runs on.
  const stop = new AbortController();
  const stopWithProxy = (): void => stop.abort();
  run.signal.addEventListener('abort', stopWithProxy, { once: true });
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
    stop.signal,
  );
  await watch.first;
  const state = (): UpstreamState => ({ picker, tls: tls.current() });
  const listener = new OutboundListener({ service: upstream.name, bindAddress: upstream.bindAddress, bindPort: upstream.bindPort, clock: deps.clock, logger: deps.logger, metrics: deps.metrics, state });
  return {
    mode: 'tcp',
    listen: () => listener.listen(),
    close: async () => {
      stop.abort();
      run.signal.removeEventListener('abort', stopWithProxy);
      await listener.close();
    },
  };
}
