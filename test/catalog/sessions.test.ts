// Goal: sessions are created only on a live node with healthy checks, and are invalidated (locks
// released, or keys deleted with Behavior "delete") the moment their node is deregistered or one
// of their checks turns critical or is removed, reporting the lock-delay for each released key.
// Method: commands through a real Fsm; the store's onLockDelay hook records the requests.

import test from 'ava';
import type { LockDelayRequest } from '../../src/catalog/store.js';
import { checkContent, deregister, Harness, register, serviceContent } from './fixtures.js';
import { createSession, destroySession, kv, session } from './kv-fixtures.js';

function setup(): { h: Harness; delays: LockDelayRequest[] } {
  const h = new Harness();
  const delays: LockDelayRequest[] = [];
  h.store.onLockDelay = (request) => delays.push(request);
  h.ok(register('n1', { service: serviceContent('web', 'web'), checks: [checkContent('n1', 'serfHealth'), checkContent('n1', 'svc', { ServiceID: 'web' })] }));
  return { h, delays };
}

test('create refuses a missing node, a missing check and a critical check, with Consul words', (t) => {
  const { h } = setup();
  t.like(h.fail(createSession(session('s', 'ghost'))), { code: 'bad_request', message: 'Missing node registration' });
  t.like(h.fail(createSession(session('s', 'n1', { NodeChecks: ['nope'] }))), { message: "Missing check 'nope' registration" });
  h.ok(register('n1', { checks: [checkContent('n1', 'bad', { Status: 'critical' })] }));
  t.like(h.fail(createSession(session('s', 'n1', { NodeChecks: ['bad'] }))), { message: "Check 'bad' is in critical state" });
  t.is(h.store.sessions.size, 0);
});

test('a check turning critical invalidates its sessions and releases their locks, with lock-delay', (t) => {
  const { h, delays } = setup();
  h.ok(createSession(session('s1', 'n1', { NodeChecks: ['serfHealth'], LockDelay: 15e9 })));
  h.ok(createSession(session('s2', 'n1', { NodeChecks: [], ServiceChecks: [{ ID: 'svc', Namespace: '' }] })));
  h.ok(kv('lock', 'a', { session: 's1', value: 'x' }));
  h.ok(kv('lock', 'b', { session: 's2' }));
  h.ok(register('n1', { skipNodeUpdate: true, checks: [checkContent('n1', 'serfHealth', { Status: 'critical' })] }));
  t.is(h.store.sessions.get('s1'), undefined);
  t.truthy(h.store.sessions.get('s2'), 'a session not tied to that check lives on');
  t.is(h.store.kvs.get('a')?.Session, undefined);
  t.is(h.store.kvs.get('a')?.Value, Buffer.from('x').toString('base64'), 'release keeps the value');
  t.deepEqual(delays, [{ key: 'a', delayMs: 15_000 }]);
  h.ok(register('n1', { skipNodeUpdate: true, checks: [checkContent('n1', 'svc', { ServiceID: 'web', Status: 'critical' })] }));
  t.is(h.store.sessions.get('s2'), undefined);
  t.is(h.store.kvs.get('b')?.Session, undefined);
});

test('a warning check does not invalidate; removing the check does', (t) => {
  const { h } = setup();
  h.ok(createSession(session('s1', 'n1', { NodeChecks: ['serfHealth'] })));
  h.ok(register('n1', { skipNodeUpdate: true, checks: [checkContent('n1', 'serfHealth', { Status: 'warning' })] }));
  t.truthy(h.store.sessions.get('s1'));
  h.ok(deregister('n1', '', 'serfHealth'));
  t.is(h.store.sessions.get('s1'), undefined);
});

test('deregistering the node invalidates its sessions; Behavior "delete" deletes the held keys', (t) => {
  const { h } = setup();
  h.ok(createSession(session('s1', 'n1', { Behavior: 'delete' })));
  h.ok(kv('lock', 'held', { session: 's1' }));
  h.ok(kv('set', 'other'));
  h.ok(deregister('n1'));
  t.is(h.store.sessions.size, 0);
  t.is(h.store.kvs.get('held'), undefined);
  t.truthy(h.store.kvs.get('other'));
  t.truthy(h.store.tombstones.get('held'));
});

test('destroy is idempotent and releases locks', (t) => {
  const { h, delays } = setup();
  h.ok(createSession(session('s1', 'n1')));
  h.ok(kv('lock', 'l', { session: 's1' }));
  t.deepEqual(h.apply(destroySession('s1')), { ok: true, value: true });
  t.deepEqual(h.apply(destroySession('s1')), { ok: true, value: false });
  t.is(h.store.kvs.get('l')?.Session, undefined);
  t.deepEqual(delays, [], 'LockDelay 0 asks for no delay');
});
