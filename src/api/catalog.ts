// The /v1/catalog reads the CLI and the tools on this client use, typed with the fields Consul
// returns (only those taxiway's callers read are spelled out; the rest pass through untyped).

import { pathSegment, type ApiClient, type QueryResult, type RequestOptions } from './client.js';
import type { QueryOptions } from './query.js';

/** A node of /v1/catalog/nodes (Consul's api.Node). */
export interface CatalogNode {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>> | null;
  readonly Meta: Readonly<Record<string, string>> | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** One instance of /v1/catalog/service/:name (Consul's api.CatalogService). */
export interface CatalogServiceInstance {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>> | null;
  readonly NodeMeta: Readonly<Record<string, string>> | null;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[] | null;
  readonly ServiceAddress: string;
  readonly ServicePort: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A service of a node, as /v1/catalog/node/:node lists it (Consul's api.AgentService). */
export interface CatalogNodeService {
  readonly ID: string;
  readonly Service: string;
  readonly Tags: readonly string[] | null;
  readonly Address: string;
  readonly Port: number;
  readonly Meta: Readonly<Record<string, string>> | null;
}

/** /v1/catalog/node/:node; the endpoint answers `null` for an unknown node. */
export interface CatalogNodeEntry {
  readonly Node: CatalogNode;
  readonly Services: Readonly<Record<string, CatalogNodeService>> | null;
}

const queryOf = (query: QueryOptions | undefined): RequestOptions => (query === undefined ? {} : { query });

/** Known datacenters, nearest first. */
export function listDatacenters(client: ApiClient): Promise<QueryResult<string[]>> {
  return client.query<string[]>('/v1/catalog/datacenters');
}

export function listNodes(client: ApiClient, query?: QueryOptions): Promise<QueryResult<CatalogNode[]>> {
  return client.query<CatalogNode[]>('/v1/catalog/nodes', queryOf(query));
}

/** Service name → the tags of all its instances. */
export function listServices(client: ApiClient, query?: QueryOptions): Promise<QueryResult<Record<string, string[]>>> {
  return client.query<Record<string, string[]>>('/v1/catalog/services', queryOf(query));
}

/** The instances of one service; `tag` keeps only those carrying it. */
export function listServiceInstances(client: ApiClient, service: string, query?: QueryOptions): Promise<QueryResult<CatalogServiceInstance[]>> {
  return client.query<CatalogServiceInstance[]>(`/v1/catalog/service/${pathSegment(service)}`, queryOf(query));
}

/** A node and its services, or null when the catalog has no such node. */
export function getNode(client: ApiClient, node: string, query?: QueryOptions): Promise<QueryResult<CatalogNodeEntry | null>> {
  return client.query<CatalogNodeEntry | null>(`/v1/catalog/node/${pathSegment(node)}`, queryOf(query));
}
