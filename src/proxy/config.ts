// What one proxy runs: its identity, its public listener and its upstream listeners, either read
// from its registration on the local agent (`-sidecar-for <service-id>` or `-proxy-id`) or given
// on the command line (`-service`, `-listen`, `-service-addr`, `-upstream name:port`), as in
// Consul's `connect proxy` command.

import type { ApiClient } from '../api/index.js';
import { pathSegment } from '../api/index.js';
import { ApiError } from '../api/api-error.js';
import { badRequest } from '../lib/errors.js';
import { mergeUpstreamConfig } from './upstream-defaults.js';

export interface PublicListenerConfig {
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

export interface UpstreamConfig {
  readonly name: string;
  readonly bindAddress: string;
  readonly bindPort: number;
  /** "" = the agent's datacenter. */
  readonly datacenter: string;
  /** The upstream's Config block merged over central config (upstream-defaults.ts): limits, passive_health_check, envoy_extensions... */
  readonly config: Readonly<Record<string, unknown>>;
  /** The registration's own upstream Config, what central config is merged under again on a change. */
  readonly localConfig?: Readonly<Record<string, unknown>>;
}

export interface ProxyConfig {
  /** The proxy's own service ID on the agent; "" for an ad-hoc proxy. */
  readonly proxyId: string;
  /** The service this proxy speaks for: its certificate names it, intentions are checked for it. */
  readonly service: string;
  readonly publicListener: PublicListenerConfig | undefined;
  readonly upstreams: readonly UpstreamConfig[];
}

/** The fields of an AgentService for a connect-proxy that the proxy reads. */
interface ProxyRegistration {
  readonly ID: string;
  readonly Kind?: string;
  readonly Address: string;
  readonly Port: number;
  readonly Proxy?: {
    readonly DestinationServiceName?: string;
    readonly LocalServiceAddress?: string;
    readonly LocalServicePort?: number;
    readonly Config?: Readonly<Record<string, unknown>>;
    readonly Upstreams?: readonly { DestinationName: string; DestinationType?: string; Datacenter?: string; LocalBindAddress?: string; LocalBindPort: number; Config?: Record<string, unknown> }[];
  };
}

/** The connect-proxy registered for `serviceId` (Consul: the filtered /v1/agent/services lookup). */
export async function proxyIdForSidecar(client: ApiClient, serviceId: string): Promise<string> {
  const filter = `Kind == "connect-proxy" and Proxy.DestinationServiceID == ${JSON.stringify(serviceId)}`;
  const { value } = await client.query<Record<string, ProxyRegistration>>('/v1/agent/services', { query: { filter } });
  const ids = Object.keys(value);
  if (ids.length === 0) throw badRequest(`No sidecar proxy registered for ${serviceId}`);
  if (ids.length > 1) throw badRequest(`More than one sidecar proxy registered for ${serviceId}.\n    Start proxy with -proxy-id and one of the following IDs: ${ids.join(', ')}`);
  return ids[0] as string;
}

/** Reads the registration of proxy `proxyId` and turns it into the proxy's configuration. */
export async function configFromRegistration(client: ApiClient, proxyId: string): Promise<ProxyConfig> {
  const { value } = await client.query<ProxyRegistration>(`/v1/agent/service/${pathSegment(proxyId)}`);
  if (value.Kind !== 'connect-proxy') throw badRequest(`service ${proxyId} is not a connect-proxy (Kind ${JSON.stringify(value.Kind ?? '')})`);
  const proxy = value.Proxy ?? {};
  const config = proxy.Config ?? {};
  const bindAddress = typeof config.bind_address === 'string' && config.bind_address !== '' ? config.bind_address : value.Address || '0.0.0.0';
  // Centralized config (Consul merges it into the registration at the agent; we merge it here, at
  // start, from the same entries: see upstream-defaults.ts).
  const downstreamDefaults = proxy.DestinationServiceName === undefined ? undefined : await serviceDefaults(client, proxy.DestinationServiceName);
  const bindPort = typeof config.bind_port === 'number' && config.bind_port > 0 ? config.bind_port : value.Port;
  return {
    proxyId,
    service: proxy.DestinationServiceName ?? '',
    publicListener: { bindAddress, bindPort, localAddress: proxy.LocalServiceAddress || '127.0.0.1', localPort: proxy.LocalServicePort ?? 0 },
    upstreams: await Promise.all(
      (proxy.Upstreams ?? [])
        .filter((upstream) => (upstream.DestinationType ?? 'service') === 'service' || upstream.DestinationType === '')
        .map(async (upstream) => {
          const extensions = (await serviceDefaults(client, upstream.DestinationName))?.EnvoyExtensions;
          const config = mergeUpstreamConfig(downstreamDefaults, upstream.DestinationName, upstream.Config ?? {}, Array.isArray(extensions) ? extensions : []);
          return { name: upstream.DestinationName, bindAddress: upstream.LocalBindAddress || '127.0.0.1', bindPort: upstream.LocalBindPort, datacenter: upstream.Datacenter ?? '', config, localConfig: upstream.Config ?? {} };
        }),
    ),
  };
}

/**
 * A service's service-defaults entry, or undefined when it has none — or when the proxy's token
 * may not read it (403): the proxy then runs on its registration alone, as it did before central
 * config, rather than not at all.
 */
async function serviceDefaults(client: ApiClient, service: string): Promise<Readonly<Record<string, unknown>> | undefined> {
  try {
    return (await client.query<Record<string, unknown>>(`/v1/config/service-defaults/${pathSegment(service)}`)).value;
  } catch (error) {
    if (error instanceof ApiError && (error.statusCode === 404 || error.statusCode === 403)) return undefined;
    throw error;
  }
}

/** "db:9191" → an upstream named db on 127.0.0.1:9191. */
export function parseUpstreamFlag(flag: string): UpstreamConfig {
  const match = /^([^:]+):(\d{1,5})$/.exec(flag);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) throw badRequest(`invalid -upstream ${JSON.stringify(flag)}: expected name:port`);
  return { name: match[1] as string, bindAddress: '127.0.0.1', bindPort: port, datacenter: '', config: {} };
}

/** "host:port" → its parts (IPv6 in brackets). */
export function parseHostPort(flag: string, what: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(flag);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) throw badRequest(`invalid ${what} ${JSON.stringify(flag)}: expected host:port`);
  return { host: (match[1] ?? match[2]) as string, port };
}
