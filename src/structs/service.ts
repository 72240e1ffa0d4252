// Services: the definition a user registers on an agent (ServiceDefinition), the registration
// carried in /v1/catalog/register, and the row the catalog keeps (NodeService), with Consul's
// field names. Proxy and Connect blocks are kept here for the mesh issues to build on.

import { checkDefinitionSchema } from './check.js';
import { s, type Infer } from './schema.js';

export const serviceKinds = ['', 'connect-proxy', 'mesh-gateway', 'terminating-gateway', 'ingress-gateway', 'api-gateway'] as const;

const meshGatewaySchema = s.struct('MeshGatewayConfig', { Mode: s.string() });

export const upstreamSchema = s.struct('Upstream', {
  DestinationType: s.string(),
  DestinationNamespace: s.string(),
  DestinationPartition: s.string(),
  DestinationPeer: s.string(),
  DestinationName: s.string(),
  Datacenter: s.string(),
  LocalBindAddress: s.string(),
  LocalBindPort: s.int(0, 65535),
  LocalBindSocketPath: s.string(),
  LocalBindSocketMode: s.string(),
  Config: s.optional(s.map(s.any())),
  MeshGateway: meshGatewaySchema,
  CentrallyConfigured: s.bool(),
});

export const proxySchema = s.struct('ConnectProxyConfig', {
  DestinationServiceName: s.string(),
  DestinationServiceID: s.string(),
  LocalServiceAddress: s.string(),
  LocalServicePort: s.int(0, 65535),
  LocalServiceSocketPath: s.string(),
  Mode: s.string(),
  TransparentProxy: s.struct('TransparentProxyConfig', { OutboundListenerPort: s.int(0, 65535), DialedDirectly: s.bool() }),
  Config: s.optional(s.map(s.any())),
  Upstreams: s.list(upstreamSchema),
  MeshGateway: meshGatewaySchema,
  Expose: s.struct('ExposeConfig', {
    Checks: s.bool(),
    Paths: s.list(s.struct('ExposePath', { ListenerPort: s.int(0, 65535), Path: s.string(), LocalPathPort: s.int(0, 65535), Protocol: s.string() })),
  }),
  AccessLogs: s.optional(s.any()),
});
export type ProxyConfig = Infer<typeof proxySchema>;

const serviceAddressSchema = s.struct('ServiceAddress', { Address: s.string(), Port: s.int(0, 65535) });
const weightsSchema = s.struct('Weights', { Passing: s.int(), Warning: s.int() });
const localitySchema = s.struct('Locality', { Region: s.string(), Zone: s.string() });

/** Connect.SidecarService is decoded as a ServiceDefinition by the sidecar code (mesh issue). */
const connectSchema = s.struct('ServiceConnect', { Native: s.bool(), SidecarService: s.optional(s.any()) });

/** The fields a service registration has in both of its forms (agent definition, catalog NodeService). */
const serviceFields = {
  Kind: s.string(),
  ID: s.string(),
  Tags: s.list(s.string()),
  Address: s.string(),
  TaggedAddresses: s.map(serviceAddressSchema),
  Meta: s.map(s.string()),
  Port: s.int(0, 65535),
  SocketPath: s.string(),
  EnableTagOverride: s.bool(),
  Weights: s.optional(weightsSchema),
  Proxy: s.optional(proxySchema),
  Connect: s.optional(connectSchema),
  Locality: s.optional(localitySchema),
};

/** The body of /v1/agent/service/register and a `services` entry in a config file. */
export const serviceDefinitionSchema = s.struct(
  'ServiceDefinition',
  {
    ...serviceFields,
    Name: s.string(),
    Check: s.optional(checkDefinitionSchema),
    Checks: s.list(checkDefinitionSchema),
    Token: s.string(),
    Namespace: s.string(),
    Partition: s.string(),
  },
  { aliases: { Service: 'Name' } },
);
export type ServiceDefinition = Infer<typeof serviceDefinitionSchema>;

/** The Service block of /v1/catalog/register (Consul's NodeService as input). */
export const nodeServiceInputSchema = s.struct('NodeService', { ...serviceFields, Service: s.string() }, { aliases: { Name: 'Service' } });
export type NodeServiceInput = Infer<typeof nodeServiceInputSchema>;

export interface ServiceWeights {
  Passing: number;
  Warning: number;
}

/** A service instance as the catalog keeps and serves it (ServiceEntry.Service, /catalog/node). */
export interface NodeService {
  Kind?: string;
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  TaggedAddresses?: Record<string, { Address: string; Port: number }>;
  Meta: Record<string, string>;
  Port: number;
  SocketPath?: string;
  Weights: ServiceWeights;
  EnableTagOverride: boolean;
  /** Always present, as Consul's non-pointer struct; only proxies fill more than the two empty objects. */
  Proxy: Record<string, unknown>;
  Connect: { Native?: boolean };
  Locality?: { Region: string; Zone: string };
  CreateIndex: number;
  ModifyIndex: number;
}

export const defaultWeights: ServiceWeights = Object.freeze({ Passing: 1, Warning: 1 });

/** Consul's JSON for a ConnectProxyConfig: zero fields omitted; Mode, MeshGateway and Expose always present. */
export function proxyOutput(proxy: ProxyConfig | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { Mode: proxy?.Mode ?? '' };
  if (proxy !== undefined) {
    const strings = ['DestinationServiceName', 'DestinationServiceID', 'LocalServiceAddress', 'LocalServiceSocketPath'] as const;
    for (const key of strings) if (proxy[key] !== '') out[key] = proxy[key];
    if (proxy.LocalServicePort !== 0) out.LocalServicePort = proxy.LocalServicePort;
    if (proxy.Config !== undefined && Object.keys(proxy.Config).length > 0) out.Config = proxy.Config;
    if (proxy.Upstreams.length > 0) out.Upstreams = proxy.Upstreams.map(upstreamOutput);
    if (proxy.TransparentProxy.OutboundListenerPort !== 0 || proxy.TransparentProxy.DialedDirectly) out.TransparentProxy = proxy.TransparentProxy;
    if (proxy.AccessLogs !== undefined) out.AccessLogs = proxy.AccessLogs;
  }
  out.MeshGateway = proxy?.MeshGateway.Mode ? { Mode: proxy.MeshGateway.Mode } : {};
  out.Expose = proxy !== undefined && (proxy.Expose.Checks || proxy.Expose.Paths.length > 0) ? proxy.Expose : {};
  return out;
}

function upstreamOutput(upstream: Infer<typeof upstreamSchema>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(upstream)) {
    if (value === '' || value === 0 || value === false || value === undefined) continue;
    if (key === 'MeshGateway') {
      out.MeshGateway = upstream.MeshGateway.Mode ? { Mode: upstream.MeshGateway.Mode } : {};
      continue;
    }
    out[key] = value;
  }
  return out;
}

// ---- ?filter= schemas: the selectors each endpoint's elements offer ----------------------------
// The filter never selects into opaque JSON (Proxy.Config) and ignores integer ranges, so input
// schemas serve as filter schemas wherever the shapes agree.

const serviceFilterFields = {
  Kind: s.string(),
  ID: s.string(),
  Service: s.string(),
  Tags: s.list(s.string()),
  Address: s.string(),
  TaggedAddresses: s.map(serviceAddressSchema),
  Meta: s.map(s.string()),
  Port: s.int(),
  SocketPath: s.string(),
  Weights: weightsSchema,
  EnableTagOverride: s.bool(),
  Proxy: proxySchema,
  Connect: s.struct('ServiceConnect', { Native: s.bool() }),
  PeerName: s.string(),
};

/** Elements of /v1/agent/services and of ServiceEntry.Service, /v1/catalog/node Services. */
export const nodeServiceFilterSchema = s.struct('NodeService', serviceFilterFields);
/** /v1/agent/services elements also carry the agent's datacenter. */
export const agentServiceFilterSchema = s.struct('AgentService', { ...serviceFilterFields, Datacenter: s.string() });

/** Elements of /v1/catalog/service/:name (Consul's flattened ServiceNode). */
export const catalogServiceFilterSchema = s.struct('ServiceNode', {
  ID: s.string(),
  Node: s.string(),
  Address: s.string(),
  Datacenter: s.string(),
  TaggedAddresses: s.map(s.string()),
  NodeMeta: s.map(s.string()),
  ServiceKind: s.string(),
  ServiceID: s.string(),
  ServiceName: s.string(),
  ServiceTags: s.list(s.string()),
  ServiceAddress: s.string(),
  ServiceTaggedAddresses: s.map(serviceAddressSchema),
  ServiceWeights: weightsSchema,
  ServiceMeta: s.map(s.string()),
  ServicePort: s.int(),
  ServiceSocketPath: s.string(),
  ServiceEnableTagOverride: s.bool(),
  ServiceProxy: proxySchema,
  ServiceConnect: s.struct('ServiceConnect', { Native: s.bool() }),
  PeerName: s.string(),
});
