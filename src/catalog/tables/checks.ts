// The checks table: one row per health check, keyed by (node, check ID), lowercase, with indexes
// by node, by status, by service name and by (node, service ID).

import { isDeepStrictEqual } from 'node:util';
import { badRequest } from '../../lib/errors.js';
import type { HealthCheck } from '../../structs/check.js';
import type { HealthCheckContent } from '../../structs/registration.js';
import type { StateStore, WriteTxn } from '../store.js';
import type { IndexSpec } from '../table.js';
import { watchKeys } from '../watch.js';
import { touchServiceKeys } from './service-keys.js';
import { invalidateCheckSessionsTxn } from './sessions.js';

export const checkPrimaryKey = (check: HealthCheck): string => `${check.Node.toLowerCase()}/${check.CheckID.toLowerCase()}`;

export const checkIndexes: readonly IndexSpec<HealthCheck>[] = [
  { name: 'node', keys: (check) => [check.Node.toLowerCase()] },
  { name: 'status', keys: (check) => [check.Status] },
  { name: 'service', keys: (check) => (check.ServiceName === '' ? [] : [check.ServiceName.toLowerCase()]) },
  // (node, service ID); node-level checks file under (node, "") so that a service's health is two lookups.
  { name: 'node_service', keys: (check) => [`${check.Node.toLowerCase()}/${check.ServiceID.toLowerCase()}`] },
];

/**
 * Inserts or updates a check. Its node must exist, and so must its service when it names one; the
 * check takes the service's name and tags from the catalog. Unchanged data is not rewritten.
 */
export function ensureCheckTxn(store: StateStore, tx: WriteTxn, input: HealthCheckContent): void {
  const node = store.nodes.get(input.Node.toLowerCase());
  if (node === undefined) throw badRequest(`Failed inserting check: node "${input.Node}" is not registered`);
  let serviceName = '';
  let serviceTags: string[] = [];
  const service = input.ServiceID === '' ? undefined : store.services.get(`${node.Node.toLowerCase()}/${input.ServiceID.toLowerCase()}`);
  if (input.ServiceID !== '') {
    if (service === undefined) throw badRequest(`Failed inserting check: service "${input.ServiceID}" is not registered on node "${node.Node}"`);
    serviceName = service.service.Service;
    serviceTags = service.service.Tags;
  }
  const existing = store.checks.get(checkPrimaryKey(input as HealthCheck));
  // Fields in Consul's order: JSON answers list them as it does.
  const check: HealthCheck = Object.freeze({
    Node: node.Node,
    CheckID: input.CheckID,
    Name: input.Name,
    Status: input.Status,
    Notes: input.Notes,
    Output: input.Output,
    ServiceID: input.ServiceID,
    ServiceName: serviceName,
    ServiceTags: serviceTags,
    Type: input.Type,
    Interval: input.Interval,
    Timeout: input.Timeout,
    ExposedPort: input.ExposedPort,
    Definition: input.Definition,
    CreateIndex: existing?.CreateIndex ?? tx.index,
    ModifyIndex: existing?.ModifyIndex ?? tx.index,
  });
  if (existing !== undefined && isDeepStrictEqual(check, existing)) return;
  tx.put(store.checks, Object.freeze({ ...check, ModifyIndex: tx.index }));
  touchCheckKeys(store, tx, check);
  // A check that moved from one service to another changes the old service's health too.
  if (existing !== undefined && existing.ServiceID !== check.ServiceID) touchCheckKeys(store, tx, existing);
  // A session tied to this check dies the moment it turns critical (Consul's ensureCheckTxn).
  if (check.Status === 'critical') invalidateCheckSessionsTxn(store, tx, node.Node, check.CheckID);
}

/** Removes a check. Returns false when there was no such check. */
export function deleteCheckTxn(store: StateStore, tx: WriteTxn, nodeName: string, checkId: string): boolean {
  const existing = store.checks.get(`${nodeName.toLowerCase()}/${checkId.toLowerCase()}`);
  if (existing === undefined) return false;
  tx.remove(store.checks, checkPrimaryKey(existing));
  touchCheckKeys(store, tx, existing);
  invalidateCheckSessionsTxn(store, tx, existing.Node, existing.CheckID);
  return true;
}

/** A service check changes its service's health; a node check changes every service on the node. */
function touchCheckKeys(store: StateStore, tx: WriteTxn, check: HealthCheck): void {
  tx.touch(watchKeys.checks);
  tx.touch(watchKeys.node(check.Node));
  const nodeKey = check.Node.toLowerCase();
  if (check.ServiceID !== '') {
    const service = store.services.get(`${nodeKey}/${check.ServiceID.toLowerCase()}`);
    if (service !== undefined) touchServiceKeys(tx, service);
    return;
  }
  for (const service of store.services.rowsBy('node', nodeKey)) touchServiceKeys(tx, service);
}
