// The KV table: one row per key, ordered so that prefix scans are cheap, with an index by lock
// holder (session). Deleting a key leaves a tombstone (tombstones.ts) so that the index a prefix
// query reports never goes backwards (Consul's state/kvs.go and graveyard.go).
//
// Semantics kept from Consul, including the surprising ones:
//  - a plain set keeps the lock holder but writes LockIndex as given (0 from the HTTP API);
//  - an unchanged set writes nothing, so no watcher wakes;
//  - a cas on a key that does not exist with a non-zero index fails; a delete-cas of a missing
//    key succeeds (there is nothing left to delete);
//  - deleting a missing key succeeds and changes nothing.

import { badRequest } from '../../lib/errors.js';
import { type DirEntry, type KvFlags, type KvWrite, valueToJson } from '../../structs/kv.js';
import type { StateStore, WriteTxn } from '../store.js';
import type { IndexSpec } from '../table.js';
import { watchKeys } from '../watch.js';
import { insertTombstoneTxn } from './tombstones.js';

export const kvPrimaryKey = (entry: DirEntry): string => entry.Key;

export const kvIndexes: readonly IndexSpec<DirEntry>[] = [{ name: 'session', keys: (entry) => (entry.Session === undefined ? [] : [entry.Session]) }];

/** Builds a row with its fields in Consul's order; `Session` only when someone holds the lock. */
export function dirEntry(fields: { LockIndex: number; Key: string; Flags: KvFlags; Value: string | null; Session: string; CreateIndex: number; ModifyIndex: number }): DirEntry {
  const { LockIndex, Key, Flags, Value, Session, CreateIndex, ModifyIndex } = fields;
  return Object.freeze(Session === '' ? { LockIndex, Key, Flags, Value, CreateIndex, ModifyIndex } : { LockIndex, Key, Flags, Value, Session, CreateIndex, ModifyIndex });
}

function sameContent(a: DirEntry, b: DirEntry): boolean {
  return a.LockIndex === b.LockIndex && a.Key === b.Key && a.Flags === b.Flags && a.Value === b.Value && (a.Session ?? '') === (b.Session ?? '');
}

interface SetInput {
  readonly key: string;
  readonly value: string | null;
  readonly flags: KvFlags;
  readonly lockIndex: number;
  /** The new lock holder; undefined keeps the existing one. */
  readonly session: string | undefined;
}

/** Inserts or updates a key (Consul's kvsSetTxn); returns the row as it now stands. */
export function kvsSetTxn(store: StateStore, tx: WriteTxn, input: SetInput): DirEntry {
  const existing = store.kvs.get(input.key);
  const row = dirEntry({
    LockIndex: input.lockIndex,
    Key: input.key,
    Flags: input.flags,
    Value: input.value,
    Session: input.session ?? existing?.Session ?? '',
    CreateIndex: existing?.CreateIndex ?? tx.index,
    ModifyIndex: tx.index,
  });
  if (existing !== undefined && sameContent(existing, row)) return existing;
  tx.put(store.kvs, row);
  touchKey(tx, input.key);
  return row;
}

/** Sets only if the key's ModifyIndex is `index` (0: only if the key does not exist). */
export function kvsSetCasTxn(store: StateStore, tx: WriteTxn, write: KvWrite): DirEntry | undefined {
  const existing = store.kvs.get(write.key);
  if (write.index === 0 ? existing !== undefined : existing?.ModifyIndex !== write.index) return undefined;
  return kvsSetTxn(store, tx, { key: write.key, value: valueToJson(write.value), flags: write.flags, lockIndex: 0, session: undefined });
}

/** Acquires the key's lock for a session; undefined when another session holds it. */
export function kvsLockTxn(store: StateStore, tx: WriteTxn, write: KvWrite): DirEntry | undefined {
  if (write.session === '') throw badRequest('missing session');
  if (store.sessions.get(write.session) === undefined) throw badRequest(`invalid session ${JSON.stringify(write.session)}`);
  const existing = store.kvs.get(write.key);
  const holder = existing?.Session ?? '';
  if (holder !== '' && holder !== write.session) return undefined;
  // Re-acquiring a lock already held updates the value without counting a new acquisition.
  const lockIndex = existing === undefined ? 1 : holder === write.session ? existing.LockIndex : existing.LockIndex + 1;
  return kvsSetTxn(store, tx, { key: write.key, value: valueToJson(write.value), flags: write.flags, lockIndex, session: write.session });
}

/** Releases the key's lock if `write.session` holds it; undefined otherwise. */
export function kvsUnlockTxn(store: StateStore, tx: WriteTxn, write: KvWrite): DirEntry | undefined {
  if (write.session === '') throw badRequest('missing session');
  const existing = store.kvs.get(write.key);
  if (existing === undefined || existing.Session !== write.session) return undefined;
  return kvsSetTxn(store, tx, { key: write.key, value: valueToJson(write.value), flags: write.flags, lockIndex: existing.LockIndex, session: '' });
}

/** Deletes one key, leaving a tombstone; a missing key is not an error and changes nothing. */
export function kvsDeleteTxn(store: StateStore, tx: WriteTxn, key: string): void {
  if (store.kvs.get(key) === undefined) return;
  tx.remove(store.kvs, key);
  insertTombstoneTxn(store, tx, key);
  touchKey(tx, key);
}

/** Deletes the key only if its ModifyIndex is `index`; a missing key counts as deleted. */
export function kvsDeleteCasTxn(store: StateStore, tx: WriteTxn, key: string, index: number): boolean {
  const existing = store.kvs.get(key);
  if (existing === undefined) return true;
  if (existing.ModifyIndex !== index) return false;
  kvsDeleteTxn(store, tx, key);
  return true;
}

/** Deletes every key under a prefix ("" deletes everything). */
export function kvsDeleteTreeTxn(store: StateStore, tx: WriteTxn, prefix: string): void {
  for (const entry of store.kvs.rowsWithPrefix(prefix)) kvsDeleteTxn(store, tx, entry.Key);
}

/** Applies one KVS.Apply write; the boolean is what the HTTP API answers. */
export function kvsWriteTxn(store: StateStore, tx: WriteTxn, write: KvWrite): boolean {
  switch (write.verb) {
    case 'set':
      kvsSetTxn(store, tx, { key: write.key, value: valueToJson(write.value), flags: write.flags, lockIndex: 0, session: undefined });
      return true;
    case 'cas':
      return kvsSetCasTxn(store, tx, write) !== undefined;
    case 'lock':
      return kvsLockTxn(store, tx, write) !== undefined;
    case 'unlock':
      return kvsUnlockTxn(store, tx, write) !== undefined;
    case 'delete':
      kvsDeleteTxn(store, tx, write.key);
      return true;
    case 'delete-cas':
      return kvsDeleteCasTxn(store, tx, write.key, write.index);
    case 'delete-tree':
      kvsDeleteTreeTxn(store, tx, write.key);
      return true;
  }
}

export function applyKvWrite(store: StateStore, index: number, write: KvWrite): boolean {
  return store.write(index, (tx) => kvsWriteTxn(store, tx, write));
}

/** The table index moves and the key's exact and prefix watchers wake. */
export function touchKey(tx: WriteTxn, key: string): void {
  tx.touch(watchKeys.kvs);
  tx.touchKvKey(key);
}
