// Catalog reads. Each takes the WatchSet of the query it serves, adds the keys it depends on, and
// returns the result with the index of the last change to those keys.

import type { HealthCheck } from '../../structs/check.js';
import type { Node } from '../../structs/node.js';
import type { NodeService } from '../../structs/service.js';
import type { QueryResult } from '../blocking-query.js';
import type { StateStore } from '../store.js';
import { type WatchSet, watchKeys } from '../watch.js';

/** Adds keys to the watch set and returns the index of the last change to any of them. */
export function watchedIndex(store: StateStore, watch: WatchSet, ...keys: string[]): number {
  for (const key of keys) watch.add(key);
  return store.maxIndex(keys);
}

export function listNodes(store: StateStore, watch: WatchSet): QueryResult<readonly Node[]> {
  return { index: watchedIndex(store, watch, watchKeys.nodes), value: store.nodes.rows() };
}

/** A service instance with the node it runs on. */
export interface ServiceInstance {
  readonly node: Node;
  readonly service: NodeService;
}

/**
 * Service name → instances, for /v1/catalog/services. Names are grouped exactly as spelled, as
 * Consul does ("Web" and "web" are two entries), though lookups by name ignore case. When the
 * caller narrows the answer by node fields (?node-meta=, a ?filter= on NodeMeta), node changes
 * alter it too, so `byNodeFields` adds the nodes key (Consul: max of the two table indexes).
 */
export function listServices(store: StateStore, watch: WatchSet, byNodeFields = false): QueryResult<Map<string, ServiceInstance[]>> {
  const index = byNodeFields ? watchedIndex(store, watch, watchKeys.services, watchKeys.nodes) : watchedIndex(store, watch, watchKeys.services);
  const byName = new Map<string, ServiceInstance[]>();
  for (const key of store.services.keysOf('service')) {
    for (const instance of instancesOf(store, store.services.rowsBy('service', key))) {
      const list = byName.get(instance.service.Service);
      if (list === undefined) byName.set(instance.service.Service, [instance]);
      else list.push(instance);
    }
  }
  return { index, value: byName };
}

/**
 * Instances of a service by name, or with `connect`, the mesh-capable instances serving it
 * (sidecar proxies and native instances), in (node, service ID) order.
 */
export function serviceInstances(store: StateStore, watch: WatchSet, name: string, connect: boolean): QueryResult<readonly ServiceInstance[]> {
  const key = connect ? watchKeys.connect(name) : watchKeys.service(name);
  const index = watchedIndex(store, watch, key);
  const rows = store.services.rowsBy(connect ? 'connect' : 'service', name.toLowerCase());
  return { index, value: instancesOf(store, rows) };
}

function instancesOf(store: StateStore, rows: readonly { node: string; service: NodeService }[]): ServiceInstance[] {
  const out: ServiceInstance[] = [];
  for (const row of rows) {
    const node = store.nodes.get(row.node.toLowerCase());
    // A service row never outlives its node: deleteNodeTxn removes services first.
    if (node !== undefined) out.push({ node, service: row.service });
  }
  return out;
}

/** A node with its services, or null when no such node is registered. */
export function nodeServices(store: StateStore, watch: WatchSet, nodeName: string): QueryResult<{ node: Node; services: readonly NodeService[] } | null> {
  const index = watchedIndex(store, watch, watchKeys.node(nodeName));
  const key = nodeName.toLowerCase();
  const node = store.nodes.get(key);
  if (node === undefined) return { index, value: null };
  return { index, value: { node, services: store.services.rowsBy('node', key).map((row) => row.service) } };
}

/** Node-level checks first, then the instance's own checks, as Consul orders ServiceEntry.Checks. */
export function instanceChecks(store: StateStore, nodeName: string, serviceId: string): HealthCheck[] {
  const nodeKey = nodeName.toLowerCase();
  return [...store.checks.rowsBy('node_service', `${nodeKey}/`), ...store.checks.rowsBy('node_service', `${nodeKey}/${serviceId.toLowerCase()}`)];
}
