// The sessions table: one row per session, indexed by node and by the checks it depends on, so
// that deregistering a node, a check going critical or a check being removed finds the sessions
// to invalidate. Invalidating a session releases (or, with Behavior "delete", deletes) every key
// it holds and asks for the lock-delay on each (Consul's state/session.go).

import { badRequest, conflict } from '../../lib/errors.js';
import type { Session } from '../../structs/session.js';
import type { StateStore, WriteTxn } from '../store.js';
import type { IndexSpec } from '../table.js';
import { watchKeys } from '../watch.js';
import { kvsDeleteTxn, kvsSetTxn } from './kv.js';
import { deleteSessionQueriesTxn } from './prepared-queries.js';

export const sessionPrimaryKey = (session: Session): string => session.ID;

/** The (node, check) pairs a session depends on, in the form the checks table's keys take. */
export function sessionCheckKeys(session: Session): string[] {
  const node = session.Node.toLowerCase();
  const ids = [...(session.NodeChecks ?? []), ...(session.ServiceChecks ?? []).map((check) => check.ID)];
  return ids.map((id) => `${node}/${id.toLowerCase()}`);
}

export const sessionIndexes: readonly IndexSpec<Session>[] = [
  { name: 'node', keys: (session) => [session.Node.toLowerCase()] },
  { name: 'check', keys: sessionCheckKeys },
];

/**
 * Creates a session. Its node must exist and every check it names must exist and not be
 * critical: a session born invalid would be invalidated at once.
 */
export function sessionCreateTxn(store: StateStore, tx: WriteTxn, input: Session): Session {
  if (store.sessions.get(input.ID) !== undefined) throw conflict(`Session ID "${input.ID}" is already in use`);
  const node = store.nodes.get(input.Node.toLowerCase());
  if (node === undefined) throw badRequest('Missing node registration');
  const ids = [...(input.NodeChecks ?? []), ...(input.ServiceChecks ?? []).map((check) => check.ID)];
  for (const id of ids) {
    const check = store.checks.get(`${node.Node.toLowerCase()}/${id.toLowerCase()}`);
    if (check === undefined) throw badRequest(`Missing check '${id}' registration`);
    if (check.Status === 'critical') throw badRequest(`Check '${id}' is in critical state`);
  }
  const row: Session = Object.freeze({ ...input, Node: node.Node, CreateIndex: tx.index, ModifyIndex: tx.index });
  tx.put(store.sessions, row);
  tx.touch(watchKeys.sessions);
  return row;
}

/**
 * Destroys a session and releases what it held. A session that is already gone is not an error:
 * destroy is idempotent, and invalidation may race with an explicit destroy.
 */
export function sessionDestroyTxn(store: StateStore, tx: WriteTxn, id: string): boolean {
  const session = store.sessions.get(id);
  if (session === undefined) return false;
  tx.remove(store.sessions, id);
  tx.touch(watchKeys.sessions);
  for (const entry of store.kvs.rowsBy('session', id)) {
    if (session.Behavior === 'delete') kvsDeleteTxn(store, tx, entry.Key);
    else kvsSetTxn(store, tx, { key: entry.Key, value: entry.Value, flags: entry.Flags, lockIndex: entry.LockIndex, session: '' });
    if (session.LockDelay > 0) tx.lockDelays.push({ key: entry.Key, delayMs: session.LockDelay / 1e6 });
  }
  deleteSessionQueriesTxn(store, tx, id);
  return true;
}

/** Invalidates every session that depends on the check (it went critical or was removed). */
export function invalidateCheckSessionsTxn(store: StateStore, tx: WriteTxn, nodeName: string, checkId: string): void {
  for (const session of store.sessions.rowsBy('check', `${nodeName.toLowerCase()}/${checkId.toLowerCase()}`)) sessionDestroyTxn(store, tx, session.ID);
}

/** Invalidates every session of a node (the node was deregistered). */
export function invalidateNodeSessionsTxn(store: StateStore, tx: WriteTxn, nodeName: string): void {
  for (const session of store.sessions.rowsBy('node', nodeName.toLowerCase())) sessionDestroyTxn(store, tx, session.ID);
}
