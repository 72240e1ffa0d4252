// Goal: the KV table behaves as Consul's state/kvs.go: indexes, CAS, locks, deletes and
// tombstones, and its watches wake exactly the readers whose key or prefix changed.
// Method: commands applied through a real Fsm (wire-encoded, one log index each); table tests.

import test from 'ava';
import { kvGet, kvKeys, kvList } from '../../src/catalog/reads/kv.js';
import { applyTombstoneReap } from '../../src/catalog/tables/tombstones.js';
import { WatchSet, watchKeys } from '../../src/catalog/watch.js';
import { Harness, register } from './fixtures.js';
import { createSession, kv, session, text } from './kv-fixtures.js';

function get(h: Harness, key: string) {
  return kvGet(h.store, new WatchSet(), key);
}

test('set creates, an update keeps CreateIndex and moves ModifyIndex; an unchanged set writes nothing', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'a', { value: 'one', flags: 42 }));
  h.ok(kv('set', 'a', { value: 'two', flags: 42 }));
  t.like(get(h, 'a').value, { Key: 'a', Flags: 42, CreateIndex: 1, ModifyIndex: 2, LockIndex: 0 });
  t.is(text(get(h, 'a').value?.Value), 'two');
  const wakes = h.wakes(watchKeys.kvKey('a'));
  h.ok(kv('set', 'a', { value: 'two', flags: 42 }));
  t.is(wakes.count, 0);
  t.is(get(h, 'a').value?.ModifyIndex, 2);
});

test('an empty value is stored as null, as Consul serves a nil value', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'empty', { value: '' }));
  t.is(get(h, 'empty').value?.Value, null);
});

test('cas with index 0 creates only; a stale index fails and changes nothing; the current index wins', (t) => {
  const h = new Harness();
  t.deepEqual(h.apply(kv('cas', 'k', { value: 'v1', index: 0 })), { ok: true, value: true });
  t.deepEqual(h.apply(kv('cas', 'k', { value: 'v2', index: 0 })), { ok: true, value: false });
  t.deepEqual(h.apply(kv('cas', 'k', { value: 'v2', index: 99 })), { ok: true, value: false });
  t.is(text(get(h, 'k').value?.Value), 'v1');
  t.deepEqual(h.apply(kv('cas', 'k', { value: 'v3', index: 1 })), { ok: true, value: true });
  t.is(text(get(h, 'k').value?.Value), 'v3');
  t.deepEqual(h.apply(kv('cas', 'missing', { value: 'x', index: 5 })), { ok: true, value: false });
});

test('deleting a missing key answers true and moves no index; delete-cas of a missing key succeeds', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'x'));
  const before = h.store.maxIndex([watchKeys.kvs]);
  t.deepEqual(h.apply(kv('delete', 'nope')), { ok: true, value: true });
  t.deepEqual(h.apply(kv('delete-cas', 'nope', { index: 7 })), { ok: true, value: true });
  t.is(h.store.maxIndex([watchKeys.kvs]), before);
  t.is(h.store.tombstones.size, 0);
});

test('delete-cas with a stale index keeps the key; with the current one deletes it and leaves a tombstone', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'k'));
  t.deepEqual(h.apply(kv('delete-cas', 'k', { index: 9 })), { ok: true, value: false });
  t.truthy(get(h, 'k').value);
  t.deepEqual(h.apply(kv('delete-cas', 'k', { index: 1 })), { ok: true, value: true });
  t.is(get(h, 'k').value, undefined);
  t.deepEqual(h.store.tombstones.get('k'), { Key: 'k', Index: 3 });
});

test('delete-tree removes the prefix only', (t) => {
  const h = new Harness();
  for (const key of ['a/1', 'a/2', 'ab', 'b']) h.ok(kv('set', key));
  h.ok(kv('delete-tree', 'a/'));
  t.deepEqual(
    h.store.kvs.rows().map((row) => row.Key),
    ['ab', 'b'],
  );
});

test('a missing key reports the table index, so a client can block until it appears', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'a'));
  h.ok(kv('set', 'b'));
  t.is(get(h, 'nope').index, 2);
  t.is(get(h, 'a').index, 1);
});

test('a prefix reports the newest entry or tombstone under it; a delete under it moves its index forward', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'p/1'));
  h.ok(kv('set', 'p/2'));
  h.ok(kv('set', 'q/1'));
  t.is(kvList(h.store, new WatchSet(), 'p/').index, 2);
  h.ok(kv('delete', 'p/2'));
  t.is(kvList(h.store, new WatchSet(), 'p/').index, 4, 'the tombstone of p/2 counts');
  t.is(kvList(h.store, new WatchSet(), 'q/').index, 3);
  t.is(kvList(h.store, new WatchSet(), '').index, 4, 'the root uses the table index');
  t.is(kvList(h.store, new WatchSet(), 'nothing/').index, 4, 'an empty prefix uses the table index');
  applyTombstoneReap(h.store, 5, 4);
  t.is(h.store.tombstones.size, 0);
});

test('a write under a watched prefix wakes it; a write elsewhere does not', (t) => {
  const h = new Harness();
  const prefix = h.wakes(watchKeys.kvPrefix('app/'));
  const root = h.wakes(watchKeys.kvPrefix(''));
  const exact = h.wakes(watchKeys.kvKey('app/db'));
  h.ok(kv('set', 'other/x'));
  t.is(prefix.count, 0);
  t.is(root.count, 1);
  t.is(exact.count, 0);
  h.ok(kv('set', 'app/db', { value: '1' }));
  t.is(prefix.count, 1);
  t.is(exact.count, 1);
  h.ok(kv('set', 'app/dbx'));
  t.is(exact.count, 1, 'a longer key is not the watched key');
  t.is(prefix.count, 2);
  h.ok(kv('delete', 'app/db'));
  t.is(prefix.count, 3);
  t.is(exact.count, 2);
  for (const counter of [prefix, root, exact]) counter.stop();
  t.is(h.store.watchedKeyCount, 0);
});

test('many watched prefixes: a write wakes exactly those that prefix its key', (t) => {
  const h = new Harness();
  const counters = Array.from({ length: 50 }, (_, i) => h.wakes(watchKeys.kvPrefix(`k${i}`)));
  h.ok(kv('set', 'k12/x'));
  // k1 and k12 prefix "k12/x"; no other.
  t.deepEqual(
    counters.flatMap((counter, i) => (counter.count > 0 ? [i] : [])),
    [1, 12],
  );
});

test('?keys with a separator folds the keys below the next separator', (t) => {
  const h = new Harness();
  for (const key of ['a/b/c', 'a/b/d', 'a/e', 'a/f/', 'b']) h.ok(kv('set', key));
  t.deepEqual(kvKeys(h.store, new WatchSet(), 'a/', '/').value, ['a/b/', 'a/e', 'a/f/']);
  t.deepEqual(kvKeys(h.store, new WatchSet(), '', '/').value, ['a/', 'b']);
  t.deepEqual(kvKeys(h.store, new WatchSet(), 'a/', '').value, ['a/b/c', 'a/b/d', 'a/e', 'a/f/']);
});

function withSession(h: Harness, id: string, fields = {}): void {
  h.ok(register('n1', { checks: [] }));
  h.ok(createSession(session(id, 'n1', fields)));
}

test('lock: needs a valid session; exactly one of two sessions wins; re-acquiring keeps LockIndex', (t) => {
  const h = new Harness();
  withSession(h, 's1');
  h.ok(createSession(session('s2', 'n1')));
  t.like(h.fail(kv('lock', 'l')), { code: 'bad_request', message: 'missing session' });
  t.like(h.fail(kv('lock', 'l', { session: 'nope' })), { code: 'bad_request', message: 'invalid session "nope"' });
  t.deepEqual(h.apply(kv('lock', 'l', { session: 's1', value: 'a' })), { ok: true, value: true });
  t.deepEqual(h.apply(kv('lock', 'l', { session: 's2', value: 'b' })), { ok: true, value: false });
  t.like(get(h, 'l').value, { Session: 's1', LockIndex: 1 });
  t.is(text(get(h, 'l').value?.Value), 'a');
  t.deepEqual(h.apply(kv('lock', 'l', { session: 's1', value: 'c' })), { ok: true, value: true });
  t.like(get(h, 'l').value, { Session: 's1', LockIndex: 1 });
  t.deepEqual(h.apply(kv('unlock', 'l', { session: 's2' })), { ok: true, value: false });
  t.deepEqual(h.apply(kv('unlock', 'l', { session: 's1' })), { ok: true, value: true });
  t.is(get(h, 'l').value?.Session, undefined);
  t.deepEqual(h.apply(kv('lock', 'l', { session: 's2' })), { ok: true, value: true });
  t.like(get(h, 'l').value, { Session: 's2', LockIndex: 2 });
});

test('a plain set keeps the lock holder (Consul), and writes LockIndex as given', (t) => {
  const h = new Harness();
  withSession(h, 's1');
  h.ok(kv('lock', 'l', { session: 's1' }));
  h.ok(kv('set', 'l', { value: 'new' }));
  t.like(get(h, 'l').value, { Session: 's1', LockIndex: 0 });
});
