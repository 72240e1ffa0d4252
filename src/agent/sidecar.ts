// Connect.SidecarService: a service definition that carries its own sidecar proxy. The nested
// definition becomes a second registration, `<id>-sidecar-proxy`, with Consul's defaults
// (agent/sidecar_service.go): Kind connect-proxy, Name `<name>-sidecar-proxy`, the parent's
// address, tags and meta when it sets none, Proxy.DestinationServiceName/ID = the parent,
// LocalServiceAddress 127.0.0.1 and LocalServicePort = the parent's port, a port picked from the
// sidecar range (lowest free, and the same one again when the sidecar is re-registered), and two
// default checks (TCP "Connect Sidecar Listening" every 10 s, alias of the parent). The sidecar is
// deregistered with its parent (registrations.ts).

import { badRequest } from '../lib/errors.js';
import { type CheckDefinition, checkDefinitionSchema } from '../structs/check.js';
import { DecodeError, decode, zeroValue } from '../structs/schema.js';
import { proxySchema, type ServiceDefinition, serviceDefinitionSchema } from '../structs/service.js';

export const sidecarIdSuffix = '-sidecar-proxy';

/** Consul's ports.sidecar_min_port / sidecar_max_port defaults. */
export const sidecarPortsDefault = Object.freeze({ min: 21000, max: 21255 });

export interface SidecarPortRange {
  readonly min: number;
  readonly max: number;
}

/** A service already registered on this agent, as far as port assignment cares. */
export interface RegisteredPort {
  readonly id: string;
  readonly port: number;
}

const sidecarCheckIntervalMs = 10_000;

export function sidecarIdOf(serviceId: string): string {
  return serviceId + sidecarIdSuffix;
}

/** The nested definition, decoded as the agent API decodes a registration (an HCL block may arrive as a one-element list). */
function nestedDefinition(raw: unknown): ServiceDefinition | undefined {
  const value: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === null) return undefined;
  try {
    return decode(serviceDefinitionSchema, value, { weak: true });
  } catch (error) {
    if (error instanceof DecodeError) throw badRequest(`Invalid SidecarService: ${error.message}`);
    throw error;
  }
}

/**
 * The sidecar registration `parent` asks for, or undefined when it asks for none. `registered`
 * is every service on this agent (for the port scan); the parent's ID defaults to its name.
 */
export function sidecarDefinition(parent: ServiceDefinition, range: SidecarPortRange, registered: readonly RegisteredPort[]): ServiceDefinition | undefined {
  const nested = nestedDefinition(parent.Connect?.SidecarService);
  if (nested === undefined) return undefined;
  const parentId = parent.ID === '' ? parent.Name : parent.ID;
  const id = sidecarIdOf(parentId);
  const proxy = nested.Proxy ?? zeroValue(proxySchema);
  const useParentAddress = proxy.LocalServiceSocketPath === '' && (proxy.LocalServiceAddress === '' || proxy.LocalServicePort < 1);
  const localService =
    useParentAddress && parent.SocketPath !== ''
      ? { LocalServiceSocketPath: parent.SocketPath }
      : useParentAddress
        ? { LocalServiceAddress: proxy.LocalServiceAddress || '127.0.0.1', LocalServicePort: proxy.LocalServicePort < 1 ? parent.Port : proxy.LocalServicePort }
        : {};
  const sidecar: ServiceDefinition = {
    ...nested,
    ID: id,
    Kind: nested.Kind === '' ? 'connect-proxy' : nested.Kind,
    Name: nested.Name === '' ? parent.Name + sidecarIdSuffix : nested.Name,
    Address: nested.Address === '' ? parent.Address : nested.Address,
    Tags: nested.Tags.length === 0 ? [...parent.Tags] : nested.Tags,
    Meta: Object.keys(nested.Meta).length === 0 ? { ...parent.Meta } : nested.Meta,
    Token: nested.Token === '' ? parent.Token : nested.Token,
    Proxy: {
      ...proxy,
      DestinationServiceName: proxy.DestinationServiceName || parent.Name,
      DestinationServiceID: proxy.DestinationServiceID || parentId,
      ...localService,
    },
  };
  if (sidecar.Port < 1) sidecar.Port = sidecarPort(id, range, registered);
  const hasChecks = sidecar.Check !== undefined || sidecar.Checks.length > 0;
  if (!hasChecks) sidecar.Checks = defaultChecks(parentId, sidecar.Address || sidecar.Proxy?.LocalServiceAddress || '127.0.0.1', sidecar.Port);
  return sidecar;
}

/** Lowest free port of the range, or the port this sidecar already holds in it. */
export function sidecarPort(sidecarId: string, range: SidecarPortRange, registered: readonly RegisteredPort[]): number {
  if (range.min < 1 || range.max < 1) throw badRequest('no port provided for sidecar_service and auto-assignment disabled in config');
  const used = new Set<number>();
  for (const service of registered) {
    if (service.port < range.min || service.port > range.max) continue;
    if (service.id === sidecarId) return service.port;
    used.add(service.port);
  }
  for (let port = range.min; port <= range.max; port++) if (!used.has(port)) return port;
  throw badRequest(`no port provided for sidecar_service and none left in the configured range [${range.min}, ${range.max}]`);
}

function defaultChecks(parentId: string, address: string, port: number): CheckDefinition[] {
  const base = zeroValue(checkDefinitionSchema);
  const host = address.includes(':') ? `[${address}]` : address;
  return [
    { ...base, Name: 'Connect Sidecar Listening', TCP: `${host}:${port}`, Interval: sidecarCheckIntervalMs },
    { ...base, Name: `Connect Sidecar Aliasing ${parentId}`, AliasService: parentId },
  ];
}
