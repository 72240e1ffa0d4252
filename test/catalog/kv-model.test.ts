// Goal: any sequence of KV writes, locks, session destroys and transactions leaves the store in
// the state a plain in-memory model of Consul's rules predicts, with the same answers (true /
// false / rolled back), and indexes that never go backwards.
// Method: fast-check generates sequences over a small key space (so operations collide); each is
// applied through a real Fsm and to the model below, and the full KV state is compared after
// every step.

import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import type { KvWriteVerb } from '../../src/structs/kv.js';
import type { TxnOutcome } from '../../src/structs/txn.js';
import { Harness, register } from './fixtures.js';
import { createSession, destroySession, kv, kvOp, session, text, txn } from './kv-fixtures.js';

interface ModelEntry {
  value: string;
  flags: number;
  lockIndex: number;
  session: string;
  createIndex: number;
  modifyIndex: number;
}

type Model = Map<string, ModelEntry>;

type Op =
  | { kind: 'write'; verb: KvWriteVerb; key: string; value: string; flags: number; session: string; index: number }
  | { kind: 'destroy'; session: string }
  | { kind: 'txn'; ops: { verb: 'set' | 'cas' | 'delete' | 'check-not-exists'; key: string; value: string; index: number }[] };

const keys = ['a', 'a/b', 'a/c', 'ab', 'b'];
const sessions = ['s1', 's2'];

function modelSet(model: Model, index: number, key: string, fields: { value: string; flags: number; lockIndex: number; session?: string }): void {
  const existing = model.get(key);
  const next: ModelEntry = {
    value: fields.value,
    flags: fields.flags,
    lockIndex: fields.lockIndex,
    session: fields.session ?? existing?.session ?? '',
    createIndex: existing?.createIndex ?? index,
    modifyIndex: index,
  };
  if (existing !== undefined && existing.value === next.value && existing.flags === next.flags && existing.lockIndex === next.lockIndex && existing.session === next.session) return;
  model.set(key, next);
}

function casAllows(model: Model, key: string, index: number): boolean {
  const existing = model.get(key);
  return index === 0 ? existing === undefined : existing?.modifyIndex === index;
}

function modelWrite(model: Model, index: number, op: Extract<Op, { kind: 'write' }>): boolean {
  const existing = model.get(op.key);
  const holder = existing?.session ?? '';
  switch (op.verb) {
    case 'set':
      modelSet(model, index, op.key, { value: op.value, flags: op.flags, lockIndex: 0 });
      return true;
    case 'cas':
      if (!casAllows(model, op.key, op.index)) return false;
      modelSet(model, index, op.key, { value: op.value, flags: op.flags, lockIndex: 0 });
      return true;
    case 'lock': {
      if (holder !== '' && holder !== op.session) return false;
      const lockIndex = existing === undefined ? 1 : holder === op.session ? existing.lockIndex : existing.lockIndex + 1;
      modelSet(model, index, op.key, { value: op.value, flags: op.flags, lockIndex, session: op.session });
      return true;
    }
    case 'unlock':
      if (existing === undefined || holder !== op.session) return false;
      modelSet(model, index, op.key, { value: op.value, flags: op.flags, lockIndex: existing.lockIndex, session: '' });
      return true;
    case 'delete':
      model.delete(op.key);
      return true;
    case 'delete-cas':
      if (existing === undefined) return true;
      if (existing.modifyIndex !== op.index) return false;
      model.delete(op.key);
      return true;
    case 'delete-tree':
      for (const key of [...model.keys()]) if (key.startsWith(op.key)) model.delete(key);
      return true;
  }
}

function modelTxn(model: Model, index: number, op: Extract<Op, { kind: 'txn' }>): boolean {
  const scratch: Model = new Map([...model].map(([key, entry]) => [key, { ...entry }]));
  let ok = true;
  for (const step of op.ops) {
    if (step.verb === 'check-not-exists') ok = !scratch.has(step.key) && ok;
    else ok = modelWrite(scratch, index, { kind: 'write', verb: step.verb, key: step.key, value: step.value, flags: 0, session: '', index: step.index }) && ok;
  }
  if (!ok) return false;
  model.clear();
  for (const [key, entry] of scratch) model.set(key, entry);
  return true;
}

const indexArbitrary = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }));
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    verb: fc.constantFrom<KvWriteVerb>('set', 'cas', 'lock', 'unlock', 'delete', 'delete-cas', 'delete-tree'),
    key: fc.constantFrom(...keys),
    value: fc.constantFrom('', 'x', 'y'),
    flags: fc.constantFrom(0, 7),
    session: fc.constantFrom(...sessions),
    index: indexArbitrary,
  }),
  fc.record({ kind: fc.constant('destroy' as const), session: fc.constantFrom(...sessions) }),
  fc.record({
    kind: fc.constant('txn' as const),
    ops: fc.array(
      fc.record({ verb: fc.constantFrom('set' as const, 'cas' as const, 'delete' as const, 'check-not-exists' as const), key: fc.constantFrom(...keys), value: fc.constantFrom('x', 'z'), index: indexArbitrary }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);

function storeState(h: Harness): unknown[] {
  return h.store.kvs.rows().map((row) => ({ key: row.Key, value: text(row.Value), flags: row.Flags, lockIndex: row.LockIndex, session: row.Session ?? '', createIndex: row.CreateIndex, modifyIndex: row.ModifyIndex }));
}

function modelState(model: Model): unknown[] {
  return [...model.keys()].sort().map((key) => ({ key, ...(model.get(key) as ModelEntry) }));
}

/** Applies one op to the store; returns its answer as a boolean (a transaction: committed or not). */
function applyToStore(h: Harness, op: Op): boolean | undefined {
  if (op.kind === 'destroy') {
    h.ok(destroySession(op.session));
    h.ok(createSession(session(op.session, 'n1')));
    return undefined;
  }
  if (op.kind === 'txn') {
    const result = h.apply(txn(...op.ops.map((step) => kvOp(step.verb, step.key, { value: step.value, index: step.index }))));
    return result.ok && (result.value as TxnOutcome).errors === null;
  }
  const result = h.apply(kv(op.verb, op.key, { value: op.value, flags: op.flags, session: op.session, index: op.index }));
  if (!result.ok) throw new Error(result.error.message);
  return result.value as boolean;
}

function applyToModel(model: Model, h: Harness, op: Op): boolean | undefined {
  if (op.kind === 'destroy') {
    // Destroy at index-1 releases the session's keys; the re-create at index changes no key.
    for (const entry of model.values()) {
      if (entry.session !== op.session) continue;
      entry.session = '';
      entry.modifyIndex = h.index - 1;
    }
    return undefined;
  }
  return op.kind === 'txn' ? modelTxn(model, h.index, op) : modelWrite(model, h.index, op);
}

test('random KV, lock, session and transaction sequences match the model', (t) => {
  fc.assert(
    fc.property(fc.array(opArbitrary, { maxLength: 40 }), (ops) => {
      const h = new Harness();
      h.ok(register('n1'));
      for (const id of sessions) h.ok(createSession(session(id, 'n1')));
      const model: Model = new Map();
      let lastIndex = 0;
      for (const op of ops) {
        const actual = applyToStore(h, op);
        const expected = applyToModel(model, h, op);
        if (actual !== expected) return false;
        if (!isDeepStrictEqual(storeState(h), modelState(model))) return false;
        for (const row of h.store.kvs.rows()) if (row.ModifyIndex > h.index) return false;
        if (h.store.lastIndex < lastIndex) return false;
        lastIndex = h.store.lastIndex;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
