// Transactions: several KV, catalog and session operations applied as one write. Every operation
// runs; if any fails, the whole write is undone and the outcome lists each failure by position,
// with Consul's words (state/txn.go). Reads inside a transaction see the writes before them.

import type { DirEntry } from '../../structs/kv.js';
import { valueToJson } from '../../structs/kv.js';
import type { TxnError, TxnOp, TxnOutcome, TxnResult } from '../../structs/txn.js';
import type { StateStore } from '../store.js';
import { WriteTxn } from '../store.js';
import { isTaxiwayError } from '../../lib/errors.js';
import { catalogTxnOp } from './txn-catalog.js';
import { fail, TxnOpError } from './txn-op-error.js';
import { kvsDeleteCasTxn, kvsDeleteTreeTxn, kvsDeleteTxn, kvsLockTxn, kvsSetCasTxn, kvsSetTxn, kvsUnlockTxn } from './kv.js';
import { sessionDestroyTxn } from './sessions.js';

/** Thrown inside the write to undo it; carries the failures out. */
class TxnRollback extends Error {
  constructor(readonly errors: readonly TxnError[]) {
    super('transaction rolled back');
  }
}

export function applyTxn(store: StateStore, index: number, ops: readonly TxnOp[]): TxnOutcome {
  try {
    return store.write(index, (tx) => {
      const outcome = runTxnOps(store, tx, ops);
      if (outcome.errors !== null) throw new TxnRollback(outcome.errors);
      return outcome;
    });
  } catch (error) {
    if (error instanceof TxnRollback) return { results: null, errors: error.errors };
    throw error;
  }
}

/** A transaction of reads only: served without a log entry (Consul's Txn.Read). */
export function readTxn(store: StateStore, ops: readonly TxnOp[]): TxnOutcome {
  const tx = new WriteTxn(store.lastIndex);
  try {
    return runTxnOps(store, tx, ops);
  } finally {
    // Reads change nothing; rolling back keeps it that way even if a write verb slipped in.
    tx.rollback();
  }
}

function runTxnOps(store: StateStore, tx: WriteTxn, ops: readonly TxnOp[]): TxnOutcome {
  const results: TxnResult[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, opIndex) => {
    try {
      results.push(...runOp(store, tx, op));
    } catch (error) {
      // Refusals (a stale index, a bad session) are the operation's failure; anything else is a bug.
      if (!(error instanceof TxnOpError || isTaxiwayError(error))) throw error;
      errors.push({ OpIndex: opIndex, What: error.message });
    }
  });
  return errors.length > 0 ? { results: null, errors } : { results, errors: null };
}

function runOp(store: StateStore, tx: WriteTxn, op: TxnOp): TxnResult[] {
  switch (op.kind) {
    case 'kv':
      return kvOp(store, tx, op);
    case 'node':
    case 'service':
    case 'check':
      return catalogTxnOp(store, tx, op);
    case 'session':
      sessionDestroyTxn(store, tx, op.id);
      return [];
  }
}

type KvOp = Extract<TxnOp, { kind: 'kv' }>;

function kvOp(store: StateStore, tx: WriteTxn, op: KvOp): TxnResult[] {
  const key = JSON.stringify(op.key);
  const write = { verb: 'set' as const, key: op.key, value: op.value, flags: op.flags, session: op.session, index: op.index };
  let entry: DirEntry | undefined;
  switch (op.verb) {
    case 'set':
      entry = kvsSetTxn(store, tx, { key: op.key, value: valueToJson(op.value), flags: op.flags, lockIndex: 0, session: undefined });
      break;
    case 'cas':
      entry = kvsSetCasTxn(store, tx, write) ?? fail(`failed to set key ${key}, index is stale`);
      break;
    case 'lock':
      entry = kvsLockTxn(store, tx, write) ?? fail(`failed to lock key ${key}, lock is already held`);
      break;
    case 'unlock':
      entry = kvsUnlockTxn(store, tx, write) ?? fail(`failed to unlock key ${key}, lock isn't held, or is held by another session`);
      break;
    case 'delete':
      kvsDeleteTxn(store, tx, op.key);
      return [];
    case 'delete-cas':
      if (!kvsDeleteCasTxn(store, tx, op.key, op.index)) fail(`failed to delete key ${key}, index is stale`);
      return [];
    case 'delete-tree':
      kvsDeleteTreeTxn(store, tx, op.key);
      return [];
    case 'get':
      // A get returns the value; every other verb answers with the entry but no value.
      return [{ KV: store.kvs.get(op.key) ?? fail(`key ${key} doesn't exist`) }];
    case 'get-tree':
      return store.kvs.rowsWithPrefix(op.key).map((row) => ({ KV: row }));
    case 'check-session':
      entry = checkSession(store, op);
      break;
    case 'check-index':
      entry = checkIndex(store, op);
      break;
    case 'check-not-exists':
      if (store.kvs.get(op.key) !== undefined) fail(`key ${key} exists`);
      return [];
  }
  return [{ KV: Object.freeze({ ...entry, Value: null }) }];
}

function checkSession(store: StateStore, op: KvOp): DirEntry {
  const entry = store.kvs.get(op.key) ?? fail(`failed to check session, key ${JSON.stringify(op.key)} doesn't exist`);
  const holder = entry.Session ?? '';
  if (holder !== op.session) fail(`failed session check for key ${JSON.stringify(op.key)}, current session ${JSON.stringify(holder)} != ${JSON.stringify(op.session)}`);
  return entry;
}

function checkIndex(store: StateStore, op: KvOp): DirEntry {
  const entry = store.kvs.get(op.key) ?? fail(`failed to check index, key ${JSON.stringify(op.key)} doesn't exist`);
  if (entry.ModifyIndex !== op.index) fail(`failed index check for key ${JSON.stringify(op.key)}, current modify index ${entry.ModifyIndex} != ${op.index}`);
  return entry;
}
