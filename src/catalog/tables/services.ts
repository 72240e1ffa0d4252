// The services table: one row per service instance, keyed by (node, service ID), lowercase, with
// indexes by node, by service name, by kind, and by the destination a mesh-capable instance
// serves (a sidecar proxy's DestinationServiceName, or a native service's own name).

import { isDeepStrictEqual } from 'node:util';
import { badRequest } from '../../lib/errors.js';
import type { HealthCheck } from '../../structs/check.js';
import type { NodeServiceContent } from '../../structs/registration.js';
import type { NodeService } from '../../structs/service.js';
import type { StateStore, WriteTxn } from '../store.js';
import type { IndexSpec } from '../table.js';
import { watchKeys } from '../watch.js';
import { deleteCheckTxn } from './checks.js';
import { connectDestination, type ServiceRow, touchServiceKeys } from './service-keys.js';

export type { ServiceRow };

export const servicePrimaryKey = (row: ServiceRow): string => `${row.node.toLowerCase()}/${row.service.ID.toLowerCase()}`;

export const serviceIndexes: readonly IndexSpec<ServiceRow>[] = [
  { name: 'node', keys: (row) => [row.node.toLowerCase()] },
  { name: 'service', keys: (row) => [row.service.Service.toLowerCase()] },
  { name: 'kind', keys: (row) => [row.service.Kind ?? ''] },
  {
    name: 'connect',
    keys: (row) => {
      const destination = connectDestination(row.service);
      return destination === undefined ? [] : [destination.toLowerCase()];
    },
  },
];

/** Inserts or updates a service instance on an existing node. Unchanged data is not rewritten. */
export function ensureServiceTxn(store: StateStore, tx: WriteTxn, nodeName: string, input: NodeServiceContent): void {
  const node = store.nodes.get(nodeName.toLowerCase());
  if (node === undefined) throw badRequest(`Failed inserting service: node "${nodeName}" is not registered`);
  const key = servicePrimaryKey({ node: node.Node, service: input as NodeService });
  const existing = store.services.get(key);
  const service: NodeService = Object.freeze({
    ...input,
    CreateIndex: existing?.service.CreateIndex ?? tx.index,
    ModifyIndex: existing?.service.ModifyIndex ?? tx.index,
  });
  if (existing !== undefined && isDeepStrictEqual(service, existing.service)) return;
  const row: ServiceRow = Object.freeze({ node: node.Node, service: Object.freeze({ ...service, ModifyIndex: tx.index }) });
  tx.put(store.services, row);
  tx.touch(watchKeys.services);
  tx.touch(watchKeys.node(node.Node));
  touchServiceKeys(tx, row);
  // A renamed instance leaves the old name's answers too.
  if (existing !== undefined) touchServiceKeys(tx, existing);
  refreshServiceChecks(store, tx, row);
}

/** Checks carry their service's name and tags; keep them in step when the service changes. */
function refreshServiceChecks(store: StateStore, tx: WriteTxn, row: ServiceRow): void {
  const nodeServiceKey = servicePrimaryKey(row);
  for (const check of store.checks.rowsBy('node_service', nodeServiceKey)) {
    if (check.ServiceName === row.service.Service && isDeepStrictEqual(check.ServiceTags, row.service.Tags)) continue;
    const updated: HealthCheck = Object.freeze({ ...check, ServiceName: row.service.Service, ServiceTags: row.service.Tags, ModifyIndex: tx.index });
    tx.put(store.checks, updated);
    tx.touch(watchKeys.checks);
  }
}

/** Removes a service instance and its checks. Returns false when there was no such instance. */
export function deleteServiceTxn(store: StateStore, tx: WriteTxn, nodeName: string, serviceId: string): boolean {
  const key = `${nodeName.toLowerCase()}/${serviceId.toLowerCase()}`;
  const existing = store.services.get(key);
  if (existing === undefined) return false;
  for (const check of store.checks.rowsBy('node_service', key)) deleteCheckTxn(store, tx, existing.node, check.CheckID);
  tx.remove(store.services, key);
  tx.touch(watchKeys.services);
  tx.touch(watchKeys.node(existing.node));
  touchServiceKeys(tx, existing);
  return true;
}
