// Running a resolved prepared query in this datacenter (Consul's PreparedQuery.execute and the
// sorting half of Execute):
//
//   1. the service's instances (or its mesh-capable ones with Connect) from the shared health view;
//   2. health: an instance with a critical check is dropped, with OnlyPassing a warning one too,
//      checks named in IgnoreCheckIDs not counting;
//   3. NodeMeta and ServiceMeta must match exactly; Tags must all be present and "!tag"s absent;
//   4. shuffled; then the Near node ("_agent" = the asking agent's node, "_ip" = the node with the
//      client's address), if it is among the first ten, moved to the front. Consul sorts by
//      network coordinates before this step; taxiway has none yet, so the shuffle stands for it;
//   5. cut to ?limit.
//
// Failover to other datacenters needs federation: the Failover settings are kept and the answer
// reports Failovers 0.

import type { StateStore } from '../catalog/store.js';
import { type WatchSet, watchKeys } from '../catalog/watch.js';
import type { Random } from '../lib/random.js';
import type { PreparedQueryResult, ServiceEntry } from '../rpc/protocol.js';
import type { PreparedQuery } from '../structs/prepared-query.js';
import { serviceEntriesView } from './service-views.js';

export interface ExecuteOptions {
  readonly datacenter: string;
  readonly agentNode: string;
  /** ?near= ("" = the query's Near). */
  readonly near: string;
  readonly sourceIp: string;
  /** 0 = no limit. */
  readonly limit: number;
  /** Mesh-capable instances whatever the query says (?connect=true). */
  readonly connect: boolean;
}

/** Consul's FilterIgnore: no critical check (no warning one with onlyPassing), ignored checks aside. */
function healthy(entry: ServiceEntry, onlyPassing: boolean, ignored: ReadonlySet<string>): boolean {
  for (const check of entry.Checks) {
    if (ignored.has(check.CheckID)) continue;
    if (check.Status === 'critical' || (onlyPassing && check.Status === 'warning')) return false;
  }
  return true;
}

function metaMatches(meta: Readonly<Record<string, string>>, filter: Readonly<Record<string, string>> | null): boolean {
  if (filter === null) return true;
  for (const key of Object.keys(filter)) if (meta[key] !== filter[key]) return false;
  return true;
}

/** Every tag present and every "!tag" absent, case-insensitively (Consul's tagFilter). */
export function tagsMatch(serviceTags: readonly string[], tags: readonly string[] | null): boolean {
  if (tags === null || tags.length === 0) return true;
  const have = new Set(serviceTags.map((tag) => tag.toLowerCase()));
  return tags.every((tag) => {
    const lower = tag.toLowerCase();
    return lower.startsWith('!') ? !have.has(lower.slice(1)) : have.has(lower);
  });
}

function nearNode(store: StateStore, query: PreparedQuery, options: ExecuteOptions): string {
  const near = options.near !== '' ? options.near : query.Service.Near;
  if (near === '_agent') return options.agentNode;
  if (near !== '_ip') return near;
  if (options.sourceIp === '') return '';
  return store.nodes.rows().find((node) => node.Address === options.sourceIp)?.Node ?? '';
}

/** How deep Consul looks for the Near node after sorting (it should be near the front anyway). */
const nearSearchDepth = 10;

export function executePreparedQuery(store: StateStore, watch: WatchSet, query: PreparedQuery, options: ExecuteOptions, random: Random): { index: number; value: PreparedQueryResult } {
  const service = query.Service;
  const { index, value } = serviceEntriesView(store, watch, service.Service, service.Connect.Enabled || options.connect);
  const ignored = new Set(service.IgnoreCheckIDs ?? []);
  const nodes = value.filter(
    (entry) =>
      healthy(entry, service.OnlyPassing, ignored) &&
      metaMatches(entry.Node.Meta, service.NodeMeta) &&
      metaMatches(entry.Service.Meta, service.ServiceMeta) &&
      tagsMatch(entry.Service.Tags, service.Tags),
  );
  for (let i = nodes.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [nodes[i], nodes[j]] = [nodes[j] as ServiceEntry, nodes[i] as ServiceEntry];
  }
  const near = nearNode(store, query, options);
  if (near !== '') {
    const at = nodes.slice(0, nearSearchDepth).findIndex((entry) => entry.Node.Node === near);
    if (at > 0) [nodes[0], nodes[at]] = [nodes[at] as ServiceEntry, nodes[0] as ServiceEntry];
  }
  const limited = options.limit > 0 && nodes.length > options.limit ? nodes.slice(0, options.limit) : nodes;
  return {
    index: Math.max(index, store.maxIndex([watchKeys.preparedQueries])),
    value: { Service: service.Service, Nodes: limited, DNS: query.DNS, Datacenter: options.datacenter, Failovers: 0 },
  };
}
