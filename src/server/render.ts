// Rendering catalog rows into Consul's response shapes. Rows are stored already shaped as Consul
// serves them, so most answers embed rows as they are; only /v1/catalog/service flattens.

import type { ServiceInstance } from '../catalog/reads/catalog.js';
import type { ServiceHealth } from '../catalog/reads/health.js';
import type { CatalogService, NodeMetaFilter, ServiceEntry } from '../rpc/protocol.js';
import type { Node } from '../structs/node.js';
import type { NodeService } from '../structs/service.js';

/** Consul's ServiceNode: node and service fields side by side, service ones prefixed. */
export function catalogService({ node, service }: ServiceInstance): CatalogService {
  const out: CatalogService = {
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: service.Kind ?? '',
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: service.Tags,
    ServiceAddress: service.Address,
    ServiceWeights: service.Weights,
    ServiceMeta: service.Meta,
    ServicePort: service.Port,
    ServiceEnableTagOverride: service.EnableTagOverride,
    ServiceProxy: service.Proxy,
    ServiceConnect: service.Connect,
    CreateIndex: service.CreateIndex,
    ModifyIndex: service.ModifyIndex,
  };
  if (service.TaggedAddresses !== undefined) out.ServiceTaggedAddresses = service.TaggedAddresses;
  if (service.SocketPath !== undefined) out.ServiceSocketPath = service.SocketPath;
  if (service.Locality !== undefined) out.ServiceLocality = service.Locality;
  return out;
}

export function serviceEntry({ node, service, checks }: ServiceHealth): ServiceEntry {
  return { Node: node, Service: service, Checks: checks };
}

/** ?passing keeps only instances whose every check, node-level ones included, is passing. */
export function allChecksPassing(entry: ServiceEntry): boolean {
  return entry.Checks.every((check) => check.Status === 'passing');
}

export function nodeMatchesMeta(node: Pick<Node, 'Meta'>, filter: NodeMetaFilter): boolean {
  return metaMatches(node.Meta, filter);
}

function metaMatches(meta: Readonly<Record<string, string>>, filter: NodeMetaFilter): boolean {
  for (const key in filter) if (meta[key] !== filter[key]) return false;
  return true;
}

/** Every requested tag is on the service, compared case-insensitively as Consul does. */
export function serviceHasTags(service: Pick<NodeService, 'Tags'>, tags: readonly string[]): boolean {
  return tagsInclude(service.Tags, tags);
}

function tagsInclude(have: readonly string[], wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  const lower = new Set(have.map((tag) => tag.toLowerCase()));
  return wanted.every((tag) => lower.has(tag.toLowerCase()));
}

/** The node-meta and tag narrowing of /v1/catalog/service on a flattened instance. */
export function catalogServiceMatches(instance: CatalogService, nodeMeta: NodeMetaFilter, tags: readonly string[]): boolean {
  return metaMatches(instance.NodeMeta as Record<string, string>, nodeMeta) && tagsInclude(instance.ServiceTags as string[], tags);
}
