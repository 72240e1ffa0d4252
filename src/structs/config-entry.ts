// Config entries (Consul's agent/structs/config_entry*.go): centrally stored, replicated settings
// for the mesh, one per kind and name. They are kept as plain JSON objects with Consul's field
// names rather than one TypeScript type per kind, because the store, the HTTP API and the CLI
// only move them around; the parts taxiway itself reads (intentions, the discovery chain) read
// them through typed accessors in src/connect/.
//
// Decoding follows Consul's DecodeConfigEntry: keys match case-insensitively and in snake_case,
// a key that is no field of any known kind is an error (`invalid config key "x"`), and in weak
// mode (HCL files) a one-element list where a single object is expected is that object.

import { badRequest } from '../lib/errors.js';
import { foldKey } from './schema.js';

export const configEntryKinds = [
  'service-defaults',
  'proxy-defaults',
  'service-router',
  'service-splitter',
  'service-resolver',
  'service-intentions',
  'mesh',
] as const;
export type ConfigEntryKind = (typeof configEntryKinds)[number];

/** A decoded entry before it is stored: Kind, Name and Consul's fields for that kind. */
export interface ConfigEntryBody {
  readonly Kind: ConfigEntryKind;
  readonly Name: string;
  readonly [field: string]: unknown;
}

/** One stored entry: the body plus the raft indexes. */
export interface ConfigEntry extends ConfigEntryBody {
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** The names every kind always has: proxy-defaults is always "global", mesh always "mesh". */
export const proxyDefaultsName = 'global';
export const meshName = 'mesh';

export function isConfigEntryKind(kind: string): kind is ConfigEntryKind {
  return (configEntryKinds as readonly string[]).includes(kind);
}

// Every field name of the supported kinds, at any depth (Consul's spelling).
const fieldNames = [
  'Kind', 'Name', 'Namespace', 'Partition', 'Peer', 'Meta', 'CreateIndex', 'ModifyIndex', 'Protocol', 'Mode',
  'TransparentProxy', 'OutboundListenerPort', 'DialedDirectly', 'MeshDestinationsOnly', 'MutualTLSMode', 'MeshGateway',
  'Expose', 'Checks', 'Paths', 'ListenerPort', 'Path', 'LocalPathPort', 'ExternalSNI', 'UpstreamConfig', 'Overrides',
  'Defaults', 'EnvoyListenerJSON', 'EnvoyClusterJSON', 'ConnectTimeoutMs', 'Limits', 'MaxConnections',
  'MaxPendingRequests', 'MaxConcurrentRequests', 'PassiveHealthCheck', 'Interval', 'MaxFailures',
  'EnforcingConsecutive5xx', 'MaxEjectionPercent', 'BaseEjectionTime', 'BalanceOutboundConnections', 'Destination',
  'Addresses', 'Port', 'MaxInboundConnections', 'LocalConnectTimeoutMs', 'LocalRequestTimeoutMs',
  'BalanceInboundConnections', 'Config', 'AccessLogs', 'Enabled', 'DisableListenerLogs', 'Type', 'JSONFormat',
  'TextFormat', 'FailoverPolicy', 'PrioritizeByLocality', 'Routes', 'Match', 'HTTP', 'PathExact', 'PathPrefix',
  'PathRegex', 'Header', 'QueryParam', 'Methods', 'Present', 'Exact', 'Prefix', 'Suffix', 'Regex', 'Invert', 'Service',
  'ServiceSubset', 'PrefixRewrite', 'RequestTimeout', 'IdleTimeout', 'NumRetries', 'RetryOnConnectFailure',
  'RetryOnStatusCodes', 'RetryOn', 'RequestHeaders', 'ResponseHeaders', 'Add', 'Set', 'Remove', 'Splits', 'Weight',
  'DefaultSubset', 'Subsets', 'Filter', 'OnlyPassing', 'Redirect', 'Datacenter', 'Failover', 'Datacenters', 'Targets',
  'ConnectTimeout', 'LoadBalancer', 'Policy', 'RingHashConfig', 'MinimumRingSize', 'MaximumRingSize',
  'LeastRequestConfig', 'ChoiceCount', 'HashPolicies', 'Field', 'FieldValue', 'CookieConfig', 'Session', 'TTL',
  'SourceIP', 'Terminal', 'Sources', 'Action', 'Permissions', 'Precedence', 'LegacyID', 'Description', 'LegacyMeta',
  'LegacyCreateTime', 'LegacyUpdateTime', 'SamenessGroup', 'AllowEnablingPermissiveMutualTLS', 'TLS', 'Incoming',
  'Outgoing', 'TLSMinVersion', 'TLSMaxVersion', 'CipherSuites', 'SanitizeXForwardedClientCert', 'Peering',
  'PeerThroughMeshGateways', 'ValidateClustersNameOnly', 'Local', 'Remote', 'RateLimits', 'InstanceLevel',
  'RequestsPerSecond', 'RequestsMaxBurst', 'EnvoyExtensions', 'Required', 'Arguments', 'ConsulVersion', 'EnvoyVersion',
  'OutlierDetection', 'IncomingRequestConnectionLimit', 'JWT', 'Providers', 'VerifyClaims', 'ClaimsAssertion',
  // service-router Destination.FaultInjection (taxiway), in the shape of Consul's builtin/fault-injection.
  'FaultInjection', 'Abort', 'Delay', 'HttpStatus', 'GrpcStatus', 'Percentage', 'Duration',
] as const;

const canonicalByFold = new Map<string, string>(fieldNames.map((name) => [foldKey(name), name]));

/** Maps whose keys are the user's and whose values are opaque (kept exactly). */
const opaqueMaps = new Set(['Meta', 'LegacyMeta', 'Config', 'Add', 'Set', 'Arguments', 'EnvoyListenerJSON', 'EnvoyClusterJSON', 'ClaimsAssertion']);
/** Maps whose keys are the user's (subset names) and whose values are structs. */
const keyedMaps = new Set(['Subsets', 'Failover']);
/** Fields that are lists; anywhere else a one-element list of an object is an HCL block (weak mode). */
const listFields = new Set([
  'Paths', 'Overrides', 'Routes', 'Header', 'QueryParam', 'Methods', 'Splits', 'Datacenters', 'Targets', 'HashPolicies',
  'Sources', 'Permissions', 'Remove', 'RetryOnStatusCodes', 'RetryOn', 'CipherSuites', 'EnvoyExtensions', 'Addresses',
  'Providers', 'AccessLogs', 'Checks',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function canonicalValue(field: string, value: unknown, weak: boolean, path: string): unknown {
  if (weak && !listFields.has(field) && Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) {
    return canonicalValue(field, value[0], weak, path);
  }
  if (opaqueMaps.has(field)) return value;
  if (keyedMaps.has(field) && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = canonicalObject(unwrapBlock(item, weak), weak, `${path}[${key}]`);
    return out;
  }
  if (Array.isArray(value)) return (value as unknown[]).map((item, i) => (isPlainObject(item) ? canonicalObject(item, weak, `${path}[${i}]`) : item));
  if (isPlainObject(value)) return canonicalObject(value, weak, path);
  return value;
}

function unwrapBlock(value: unknown, weak: boolean): unknown {
  return weak && Array.isArray(value) && value.length === 1 ? value[0] : value;
}

function canonicalObject(value: unknown, weak: boolean, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw badRequest(`Request decoding failed: ${path === '' ? 'body' : path}: expected an object`);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const name = canonicalByFold.get(foldKey(key));
    if (name === undefined) throw badRequest(`Request decoding failed: 1 error occurred:\n\t* invalid config key "${key}"\n\n`);
    if (item === null || item === undefined) continue;
    out[name] = canonicalValue(name, item, weak, path === '' ? name : `${path}.${name}`);
  }
  return out;
}

/**
 * Untrusted JSON (an HTTP body, a parsed HCL or JSON file) → an entry with Consul's field names.
 * `kind`/`name` from the URL win over the body's when given (Consul's PUT takes both from the body).
 */
export function decodeConfigEntry(value: unknown, options: { readonly weak?: boolean } = {}): ConfigEntryBody {
  const out = canonicalObject(value, options.weak === true, '');
  delete out.CreateIndex;
  delete out.ModifyIndex;
  const kind = out.Kind;
  if (typeof kind !== 'string' || kind === '') throw badRequest('Request decoding failed: Kind value in payload is missing');
  if (!isConfigEntryKind(kind)) throw badRequest(`Request decoding failed: invalid config entry kind: ${kind}`);
  if (out.Name !== undefined && typeof out.Name !== 'string') throw badRequest('Request decoding failed: Name: expected a string');
  return { ...out, Kind: kind, Name: (out.Name) ?? '' };
}

/** Any nested object of an entry (an intention's permission) with Consul's field names. */
export function canonicalConfigFields(value: unknown, path: string): Record<string, unknown> {
  return canonicalObject(value, false, path);
}

/** The table's primary key: kind and name (names are case-sensitive, as in Consul). */
export function configEntryKey(kind: string, name: string): string {
  return `${kind}/${name}`;
}
