// Validation and normalisation of the kinds that set defaults: service-defaults, proxy-defaults
// and mesh (Consul's ServiceConfigEntry, ProxyConfigEntry and MeshConfigEntry Normalize/Validate,
// with their messages).

import { limits } from '../../lib/limits.js';
import { type ConfigEntryBody, meshName, proxyDefaultsName } from '../../structs/config-entry.js';
import { type Fields, invalid, numberField, objectField, objectList, stringField, stringMap } from './fields.js';
import { validateFaultExtensions } from './validate-faults.js';

const proxyModes = new Set(['', 'direct', 'transparent']);
const meshGatewayModes = new Set(['', 'none', 'local', 'remote']);
const mutualTlsModes = new Set(['', 'strict', 'permissive']);

/** Meta: Consul's validateConfigEntryMeta bounds. */
export function validateMeta(entry: Fields, key = 'Meta'): void {
  const meta = stringMap(entry, key);
  const keys = Object.keys(meta);
  if (keys.length > limits.metaPairsMax) throw invalid(`Meta exceeds maximum element count ${limits.metaPairsMax}`);
  for (const name of keys) {
    if (name.length > limits.metaKeyBytesMax) throw invalid(`Meta key "${name}" exceeds maximum length ${limits.metaKeyBytesMax}`);
    if ((meta[name] as string).length > limits.metaValueBytesMax) throw invalid(`Meta value for key "${name}" exceeds maximum length ${limits.metaValueBytesMax}`);
  }
}

function validateCommonProxy(entry: Fields): void {
  const mode = stringField(entry, 'Mode');
  if (!proxyModes.has(mode)) throw invalid(`Invalid Proxy Mode: "${mode}"`);
  const gateway = objectField(entry, 'MeshGateway');
  const gatewayMode = gateway === undefined ? '' : stringField(gateway, 'Mode', 'MeshGateway.Mode');
  if (!meshGatewayModes.has(gatewayMode)) throw invalid(`Invalid Mesh Gateway Mode: "${gatewayMode}"`);
  const mtls = stringField(entry, 'MutualTLSMode');
  if (!mutualTlsModes.has(mtls)) throw invalid(`Invalid MutualTLSMode "${mtls}". Must be one of "", "strict", or "permissive".`);
  const expose = objectField(entry, 'Expose');
  if (expose !== undefined) {
    for (const [i, path] of objectList(expose, 'Paths', 'Expose.Paths').entries()) {
      const value = stringField(path, 'Path', `Expose.Paths[${i}].Path`);
      if (value !== '' && !value.startsWith('/')) throw invalid(`exposed paths must start with a '/', got "${value}"`);
      const protocol = stringField(path, 'Protocol').toLowerCase();
      if (protocol !== '' && protocol !== 'http' && protocol !== 'http2') throw invalid(`protocol '${protocol}' not supported for path: ${value}, must be http or http2`);
    }
  }
}

function validateUpstreamConfig(config: Fields, where: string): Fields {
  const checks: readonly (readonly [string, Fields | undefined, string])[] = [
    ['ConnectTimeoutMs', config, 'connect_timeout_ms'],
    ['MaxConnections', objectField(config, 'Limits'), 'max_connections'],
    ['MaxPendingRequests', objectField(config, 'Limits'), 'max_pending_requests'],
    ['MaxConcurrentRequests', objectField(config, 'Limits'), 'max_concurrent_requests'],
    ['MaxFailures', objectField(config, 'PassiveHealthCheck'), 'max_failures'],
  ];
  for (const [key, object, name] of checks) {
    if (object !== undefined && numberField(object, key) < 0) throw invalid(`${where}: ${name} cannot be negative`);
  }
  const protocol = stringField(config, 'Protocol');
  return protocol === '' ? config : { ...config, Protocol: protocol.toLowerCase() };
}

function normalizeUpstreams(entry: Fields): Fields | undefined {
  const upstreams = objectField(entry, 'UpstreamConfig');
  if (upstreams === undefined) return undefined;
  const out: Record<string, unknown> = { ...upstreams };
  const defaults = objectField(upstreams, 'Defaults', 'UpstreamConfig.Defaults');
  if (defaults !== undefined) {
    if (stringField(defaults, 'Name') !== '') throw invalid('error in upstream defaults: Name must be empty');
    out.Defaults = validateUpstreamConfig(defaults, 'error in upstream defaults');
  }
  const overrides = objectList(upstreams, 'Overrides', 'UpstreamConfig.Overrides');
  if (overrides.length > 0) {
    out.Overrides = overrides.map((override, i) => {
      const name = stringField(override, 'Name', `UpstreamConfig.Overrides[${i}].Name`);
      if (name === '' || name === '*') throw invalid(`error in upstream override for ${name === '' ? '<empty>' : name}: Name is required and may not be a wildcard`);
      return validateUpstreamConfig(override, `error in upstream override for ${name}`);
    });
  }
  return out;
}

export function validateServiceDefaults(entry: ConfigEntryBody): ConfigEntryBody {
  validateMeta(entry);
  validateCommonProxy(entry);
  const protocol = stringField(entry, 'Protocol').toLowerCase();
  for (const key of ['LocalConnectTimeoutMs', 'LocalRequestTimeoutMs', 'MaxInboundConnections']) {
    if (numberField(entry, key) < 0) throw invalid(`invalid value for ${key}: must be >= 0`);
  }
  const upstreams = normalizeUpstreams(entry);
  validateFaultExtensions(entry);
  const out: Record<string, unknown> = { ...entry };
  if (protocol !== '') out.Protocol = protocol;
  if (upstreams !== undefined) out.UpstreamConfig = upstreams;
  return out as ConfigEntryBody;
}

export function validateProxyDefaults(entry: ConfigEntryBody): ConfigEntryBody {
  if (entry.Name !== proxyDefaultsName) throw invalid(`invalid name ("${entry.Name}"), only "${proxyDefaultsName}" is supported`);
  validateMeta(entry);
  validateCommonProxy(entry);
  objectField(entry, 'Config');
  return entry;
}

export function validateMesh(entry: ConfigEntryBody): ConfigEntryBody {
  if (entry.Name !== meshName) throw invalid(`invalid name ("${entry.Name}"), only "${meshName}" is supported`);
  validateMeta(entry);
  const tls = objectField(entry, 'TLS');
  for (const direction of ['Incoming', 'Outgoing']) {
    const config = tls === undefined ? undefined : objectField(tls, direction, `TLS.${direction}`);
    if (config === undefined) continue;
    for (const key of ['TLSMinVersion', 'TLSMaxVersion']) {
      const version = stringField(config, key);
      if (version !== '' && !/^(TLS_AUTO|TLSv1_[0-3])$/.test(version)) throw invalid(`TLS.${direction}.${key}: TLS version "${version}" is not supported`);
    }
  }
  return entry;
}
