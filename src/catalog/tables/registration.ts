// Register and deregister: the catalog's two write commands, each one atomic transaction over the
// nodes, services and checks tables (Consul's ensureRegistrationTxn / deleteNode / ...).

import type { DeregisterCommand, RegisterCommand } from '../commands.js';
import type { StateStore, WriteTxn } from '../store.js';
import { deleteCheckTxn, ensureCheckTxn } from './checks.js';
import { deleteNodeTxn, ensureNodeTxn } from './nodes.js';
import { deleteServiceTxn, ensureServiceTxn } from './services.js';

export function applyRegister(store: StateStore, index: number, command: RegisterCommand): boolean {
  return store.write(index, (tx) => {
    ensureRegistrationTxn(store, tx, command);
    return true;
  });
}

/** Node first (unless skipped and present), then the service, then checks, which may refer to it. */
export function ensureRegistrationTxn(store: StateStore, tx: WriteTxn, command: RegisterCommand): void {
  const existing = store.nodes.get(command.node.Node.toLowerCase());
  if (!(command.skipNodeUpdate && existing !== undefined)) ensureNodeTxn(store, tx, command.node);
  if (command.service !== null) ensureServiceTxn(store, tx, command.node.Node, command.service);
  for (const check of command.checks) ensureCheckTxn(store, tx, check);
}

export function applyDeregister(store: StateStore, index: number, command: DeregisterCommand): boolean {
  return store.write(index, (tx) => {
    deregisterTxn(store, tx, command);
    return true;
  });
}

/** Deleting what is already gone succeeds, as in Consul: deregistration is idempotent. */
export function deregisterTxn(store: StateStore, tx: WriteTxn, command: DeregisterCommand): void {
  if (command.serviceId === '' && command.checkId === '') {
    deleteNodeTxn(store, tx, command.node);
    return;
  }
  if (command.serviceId !== '') deleteServiceTxn(store, tx, command.node, command.serviceId);
  if (command.checkId !== '') deleteCheckTxn(store, tx, command.node, command.checkId);
}
