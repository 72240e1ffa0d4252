// Centralized upstream config (Consul's "merging service config"): the downstream service's
// service-defaults UpstreamConfig — Defaults for every upstream, then Overrides[] whose Name is the
// upstream — is merged under the upstream's Config from the proxy registration, which wins key by
// key (a registration's `limits` replaces the central `limits` whole, as Consul's map merge does).
// Consul's field names become the upstream Config keys its xDS code reads: Limits → limits
// {max_connections, max_pending_requests, max_concurrent_requests}, PassiveHealthCheck →
// passive_health_check {interval, max_failures, enforcing_consecutive_5xx, max_ejection_percent,
// base_ejection_time}, ConnectTimeoutMs → connect_timeout_ms, Protocol → protocol, ...
// The upstream service's own service-defaults EnvoyExtensions (builtin/fault-injection) come in
// as `envoy_extensions`. Pure; config.ts fetches the entries.

type Fields = Readonly<Record<string, unknown>>;

const topKeys: Readonly<Record<string, string>> = {
  ConnectTimeoutMs: 'connect_timeout_ms',
  Protocol: 'protocol',
  MeshGateway: 'mesh_gateway',
  BalanceOutboundConnections: 'balance_outbound_connections',
  EnvoyListenerJSON: 'envoy_listener_json',
  EnvoyClusterJSON: 'envoy_cluster_json',
};
const limitKeys: Readonly<Record<string, string>> = { MaxConnections: 'max_connections', MaxPendingRequests: 'max_pending_requests', MaxConcurrentRequests: 'max_concurrent_requests' };
const checkKeys: Readonly<Record<string, string>> = {
  Interval: 'interval',
  MaxFailures: 'max_failures',
  EnforcingConsecutive5xx: 'enforcing_consecutive_5xx',
  MaxEjectionPercent: 'max_ejection_percent',
  BaseEjectionTime: 'base_ejection_time',
};

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

function renamed(object: Fields, names: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const name = names[key];
    if (name !== undefined && value !== undefined && value !== null && value !== '') out[name] = value;
  }
  return out;
}

/** One UpstreamConfig (Defaults or an Override) → upstream Config keys. */
export function upstreamConfigKeys(central: Fields): Record<string, unknown> {
  const out = renamed(central, topKeys);
  if (isObject(central.Limits)) out.limits = renamed(central.Limits, limitKeys);
  if (isObject(central.PassiveHealthCheck)) out.passive_health_check = renamed(central.PassiveHealthCheck, checkKeys);
  return out;
}

/**
 * The upstream's effective Config: central Defaults, then the Override named `upstream`, then
 * `upstreamServiceExtensions` (when non-empty), then the registration's own `local` Config.
 */
export function mergeUpstreamConfig(downstreamDefaults: Fields | undefined, upstream: string, local: Fields, upstreamServiceExtensions: readonly unknown[] = []): Fields {
  const upstreams = isObject(downstreamDefaults?.UpstreamConfig) ? downstreamDefaults.UpstreamConfig : {};
  const defaults = isObject(upstreams.Defaults) ? upstreamConfigKeys(upstreams.Defaults) : {};
  const overrides = Array.isArray(upstreams.Overrides) ? (upstreams.Overrides as unknown[]) : [];
  const override = overrides.find((each): each is Fields => isObject(each) && each.Name === upstream);
  const extensions = upstreamServiceExtensions.length > 0 ? { envoy_extensions: upstreamServiceExtensions } : {};
  return { ...defaults, ...(override === undefined ? {} : upstreamConfigKeys(override)), ...extensions, ...local };
}
