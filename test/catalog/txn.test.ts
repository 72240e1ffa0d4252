// Goal: transactions are all-or-nothing, report every failed operation by position with Consul's
// words, return results in Consul's shapes (values only for get and get-tree), and see their own
// earlier writes. Method: Txn commands through a real Fsm.

import test from 'ava';
import { readTxn } from '../../src/catalog/tables/txn.js';
import type { TxnOutcome } from '../../src/structs/txn.js';
import { checkContent, Harness, nodeContent, register, serviceContent } from './fixtures.js';
import { createSession, kv, kvOp, session, text, txn } from './kv-fixtures.js';

function outcome(h: Harness, ...ops: Parameters<typeof txn>): TxnOutcome {
  const result = h.apply(txn(...ops));
  if (!result.ok) throw new Error(result.error.message);
  return result.value as TxnOutcome;
}

test('a successful transaction applies every operation at one index and answers each', (t) => {
  const h = new Harness();
  const answer = outcome(h, kvOp('set', 'a', { value: '1' }), kvOp('cas', 'b', { value: '2', index: 0 }), kvOp('get', 'a'), kvOp('get-tree', ''));
  t.is(answer.errors, null);
  const results = answer.results ?? [];
  t.is(results.length, 5);
  t.like(results[0], { KV: { Key: 'a', Value: null, ModifyIndex: 1 } });
  t.like(results[1], { KV: { Key: 'b', Value: null, ModifyIndex: 1 } });
  t.is(text((results[2] as { KV: { Value: string } }).KV.Value), '1');
  t.deepEqual(
    results.slice(3).map((result) => (result as { KV: { Key: string } }).KV.Key),
    ['a', 'b'],
  );
});

test('one failing operation rolls back all of them and every failure is listed', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'x', { value: 'keep' }));
  const answer = outcome(
    h,
    kvOp('set', 'new', { value: 'v' }),
    kvOp('cas', 'x', { value: 'no', index: 99 }),
    kvOp('check-not-exists', 'x'),
    kvOp('get', 'nope'),
    kvOp('check-index', 'x', { index: 5 }),
    kvOp('lock', 'l', { session: 'ghost' }),
  );
  t.is(answer.results, null);
  t.deepEqual(answer.errors, [
    { OpIndex: 1, What: 'failed to set key "x", index is stale' },
    { OpIndex: 2, What: 'key "x" exists' },
    { OpIndex: 3, What: 'key "nope" doesn\'t exist' },
    { OpIndex: 4, What: 'failed index check for key "x", current modify index 1 != 5' },
    { OpIndex: 5, What: 'invalid session "ghost"' },
  ]);
  t.is(h.store.kvs.get('new'), undefined);
  t.is(text(h.store.kvs.get('x')?.Value), 'keep');
});

test('lock, check-session and unlock inside transactions', (t) => {
  const h = new Harness();
  h.ok(register('n1'));
  h.ok(createSession(session('s1', 'n1')));
  t.is(outcome(h, kvOp('lock', 'l', { session: 's1' }), kvOp('check-session', 'l', { session: 's1' })).errors, null);
  t.deepEqual(outcome(h, kvOp('check-session', 'l', { session: 's2' })).errors, [{ OpIndex: 0, What: 'failed session check for key "l", current session "s1" != "s2"' }]);
  t.deepEqual(outcome(h, kvOp('unlock', 'l', { session: 's2' })).errors, [
    { OpIndex: 0, What: 'failed to unlock key "l", lock isn\'t held, or is held by another session' },
  ]);
  t.is(outcome(h, kvOp('unlock', 'l', { session: 's1' })).errors, null);
});

test('node, service and check operations: set, get, cas, delete', (t) => {
  const h = new Harness();
  const set = outcome(
    h,
    { kind: 'node', verb: 'set', node: nodeContent('n1'), index: 0 },
    { kind: 'service', verb: 'set', node: 'n1', service: serviceContent('web', 'web'), index: 0 },
    { kind: 'check', verb: 'set', check: checkContent('n1', 'c1', { ServiceID: 'web' }), index: 0 },
  );
  t.is(set.errors, null);
  t.like(set.results?.[0], { Node: { Node: 'n1' } });
  t.like(set.results?.[1], { Service: { ID: 'web' } });
  t.like(set.results?.[2], { Check: { CheckID: 'c1', ServiceName: 'web' } });
  t.deepEqual(outcome(h, { kind: 'node', verb: 'cas', node: nodeContent('n1', { Address: '10.9.9.9' }), index: 42 }).errors, [
    { OpIndex: 0, What: 'failed to set node "n1", index is stale' },
  ]);
  t.deepEqual(outcome(h, { kind: 'service', verb: 'get', node: 'n1', service: serviceContent('nope', 'nope'), index: 0 }).errors, [
    { OpIndex: 0, What: 'service "nope" on node "n1" doesn\'t exist' },
  ]);
  t.is(outcome(h, { kind: 'check', verb: 'delete', check: checkContent('n1', 'c1'), index: 0 }).errors, null);
  t.is(h.store.checks.size, 0);
});

test('a read-only transaction changes nothing and needs no log index', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'a', { value: '1' }));
  const answer = readTxn(h.store, [kvOp('get', 'a'), kvOp('check-index', 'a', { index: 1 })]);
  t.is(answer.errors, null);
  t.is(h.store.lastIndex, 1);
});
