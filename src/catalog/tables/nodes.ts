// The nodes table: one row per node, keyed by lowercase name (Consul's node names are
// case-insensitive), with a secondary index on the node ID.

import { isDeepStrictEqual } from 'node:util';
import { conflict } from '../../lib/errors.js';
import type { Node } from '../../structs/node.js';
import type { NodeContent } from '../../structs/registration.js';
import type { StateStore, WriteTxn } from '../store.js';
import type { IndexSpec } from '../table.js';
import { watchKeys } from '../watch.js';
import { deleteServiceTxn } from './services.js';
import { touchServiceKeys } from './service-keys.js';
import { deleteCheckTxn } from './checks.js';
import { invalidateNodeSessionsTxn } from './sessions.js';

export const nodePrimaryKey = (node: Node): string => node.Node.toLowerCase();

export const nodeIndexes: readonly IndexSpec<Node>[] = [{ name: 'id', keys: (node) => (node.ID === '' ? [] : [node.ID.toLowerCase()]) }];

/**
 * Inserts or updates a node. A node ID belongs to one node name: registering the same ID under
 * another name is refused unless that other node is gone (Consul's ensureNode rule).
 * Unchanged data is not rewritten, so watchers do not wake.
 */
export function ensureNodeTxn(store: StateStore, tx: WriteTxn, input: NodeContent): void {
  const key = input.Node.toLowerCase();
  const existing = store.nodes.get(key);
  if (input.ID !== '') {
    const owner = store.nodes.rowsBy('id', input.ID.toLowerCase())[0];
    if (owner !== undefined && owner.Node.toLowerCase() !== key) {
      throw conflict(`Failed inserting node: node ID "${input.ID}" is already registered to node "${owner.Node}"`);
    }
  }
  const row: Node = Object.freeze({
    ...input,
    CreateIndex: existing?.CreateIndex ?? tx.index,
    ModifyIndex: existing?.ModifyIndex ?? tx.index,
  });
  if (existing !== undefined && isDeepStrictEqual(row, existing)) return;
  tx.put(store.nodes, Object.freeze({ ...row, ModifyIndex: tx.index }));
  tx.touch(watchKeys.nodes);
  tx.touch(watchKeys.node(input.Node));
  // Health and catalog answers for every service on this node embed the node.
  for (const service of store.services.rowsBy('node', key)) touchServiceKeys(tx, service);
}

/** Removes a node with all its services and checks. Returns false when there was no such node. */
export function deleteNodeTxn(store: StateStore, tx: WriteTxn, nodeName: string): boolean {
  const key = nodeName.toLowerCase();
  const existing = store.nodes.get(key);
  if (existing === undefined) return false;
  invalidateNodeSessionsTxn(store, tx, existing.Node);
  for (const check of store.checks.rowsBy('node', key)) deleteCheckTxn(store, tx, existing.Node, check.CheckID);
  for (const service of store.services.rowsBy('node', key)) deleteServiceTxn(store, tx, existing.Node, service.service.ID);
  tx.remove(store.nodes, key);
  tx.touch(watchKeys.nodes);
  tx.touch(watchKeys.node(existing.Node));
  return true;
}
