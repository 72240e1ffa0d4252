// Node, service and check operations inside a transaction (Consul's txnNode, txnService,
// txnCheck): get, set, cas (0 = only if absent), delete and delete-cas, with Consul's messages.

import type { TxnOp, TxnResult } from '../../structs/txn.js';
import { checkStatusOrDefault } from '../../structs/validate.js';
import type { StateStore, WriteTxn } from '../store.js';
import { deleteCheckTxn, ensureCheckTxn } from './checks.js';
import { deleteNodeTxn, ensureNodeTxn } from './nodes.js';
import { deleteServiceTxn, ensureServiceTxn } from './services.js';
import { fail } from './txn-op-error.js';

type CatalogOp = Extract<TxnOp, { kind: 'node' | 'service' | 'check' }>;

/** Whether a compare-and-set at `index` may proceed over a row at `current` (undefined: no row). */
function casAllows(current: number | undefined, index: number): boolean {
  return index === 0 ? current === undefined : current === index;
}

export function catalogTxnOp(store: StateStore, tx: WriteTxn, op: CatalogOp): TxnResult[] {
  switch (op.kind) {
    case 'node':
      return nodeOp(store, tx, op);
    case 'service':
      return serviceOp(store, tx, op);
    case 'check':
      return checkOp(store, tx, op);
  }
}

function nodeOp(store: StateStore, tx: WriteTxn, op: Extract<CatalogOp, { kind: 'node' }>): TxnResult[] {
  const name = op.node.Node;
  const current = () => store.nodes.get(name.toLowerCase());
  switch (op.verb) {
    case 'get':
      break;
    case 'cas':
      if (!casAllows(current()?.ModifyIndex, op.index)) fail(`failed to set node ${JSON.stringify(name)}, index is stale`);
      ensureNodeTxn(store, tx, op.node);
      break;
    case 'set':
      ensureNodeTxn(store, tx, op.node);
      break;
    case 'delete-cas':
      if (current() !== undefined && current()?.ModifyIndex !== op.index) fail(`failed to delete node ${JSON.stringify(name)}, index is stale`);
      deleteNodeTxn(store, tx, name);
      return [];
    case 'delete':
      deleteNodeTxn(store, tx, name);
      return [];
  }
  return [{ Node: current() ?? fail(`node ${JSON.stringify(name)} doesn't exist`) }];
}

function serviceOp(store: StateStore, tx: WriteTxn, op: Extract<CatalogOp, { kind: 'service' }>): TxnResult[] {
  const id = op.service.ID;
  const current = () => store.services.get(`${op.node.toLowerCase()}/${id.toLowerCase()}`)?.service;
  const where = `${JSON.stringify(id)} on node ${JSON.stringify(op.node)}`;
  switch (op.verb) {
    case 'get':
      break;
    case 'cas':
      if (!casAllows(current()?.ModifyIndex, op.index)) fail(`failed to set service ${where}, index is stale`);
      ensureServiceTxn(store, tx, op.node, op.service);
      break;
    case 'set':
      ensureServiceTxn(store, tx, op.node, op.service);
      break;
    case 'delete-cas':
      if (current() !== undefined && current()?.ModifyIndex !== op.index) fail(`failed to delete service ${where}, index is stale`);
      deleteServiceTxn(store, tx, op.node, id);
      return [];
    case 'delete':
      deleteServiceTxn(store, tx, op.node, id);
      return [];
  }
  return [{ Service: current() ?? fail(`service ${where} doesn't exist`) }];
}

function checkOp(store: StateStore, tx: WriteTxn, op: Extract<CatalogOp, { kind: 'check' }>): TxnResult[] {
  const { Node: node, CheckID: id } = op.check;
  const current = () => store.checks.get(`${node.toLowerCase()}/${id.toLowerCase()}`);
  const where = `${JSON.stringify(id)} on node ${JSON.stringify(node)}`;
  const check = { ...op.check, Status: checkStatusOrDefault(op.check.Status) };
  switch (op.verb) {
    case 'get':
      break;
    case 'cas':
      if (!casAllows(current()?.ModifyIndex, op.index)) fail(`failed to set check ${where}, index is stale`);
      ensureCheckTxn(store, tx, check);
      break;
    case 'set':
      ensureCheckTxn(store, tx, check);
      break;
    case 'delete-cas':
      if (current() !== undefined && current()?.ModifyIndex !== op.index) fail(`failed to delete check ${where}, index is stale`);
      deleteCheckTxn(store, tx, node, id);
      return [];
    case 'delete':
      deleteCheckTxn(store, tx, node, id);
      return [];
  }
  return [{ Check: current() ?? fail(`check ${where} doesn't exist`) }];
}
