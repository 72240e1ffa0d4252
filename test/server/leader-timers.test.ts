// Goal: the leader's time-driven duties: a TTL session is destroyed once TTL x 2 passes without a
// renewal (and not before), a renewal restarts the countdown, a released lock cannot be
// re-acquired during its lock-delay, and KV tombstones are reaped after the tombstone TTL.
// Method: a real Server (in-process log, real FSM) driven by a ManualClock and a SeededRandom,
// calling its RPC handlers as an agent would.

import test from 'ava';
import { aclDisabled } from '../../src/acl/authorizer.js';
import { ManualClock } from '../../src/lib/clock.js';
import { limits } from '../../src/lib/limits.js';
import { SeededRandom } from '../../src/lib/random.js';
import { Server } from '../../src/server/server.js';
import { zeroValue } from '../../src/structs/schema.js';
import { sessionCreateSchema } from '../../src/structs/session.js';
import type { KvWrite } from '../../src/structs/kv.js';

async function startServer(): Promise<{ server: Server; clock: ManualClock; errors: unknown[] }> {
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const server = new Server({
    datacenter: 'dc1',
    self: { nodeName: 'n1', nodeId: '11111111-2222-3333-4444-555555555555', address: '127.0.0.1', serverPort: 8300 },
    clock,
    random: new SeededRandom(7),
    acl: aclDisabled,
    onBackgroundError: (error) => errors.push(error),
  });
  await server.start();
  return { server, clock, errors };
}

const write = { datacenter: '', token: '' };

function createSession(server: Server, fields: { TTL?: string; lockDelayMs?: number } = {}): Promise<string> {
  const request = { ...zeroValue(sessionCreateSchema), TTL: fields.TTL ?? '' };
  return server.handlers['Session.Create']({ ...write, request, lockDelayMs: fields.lockDelayMs, defaultNode: 'n1' });
}

function kvWrite(server: Server, fields: Partial<KvWrite> & { key: string }): Promise<boolean> {
  return server.handlers['KVS.Apply']({ ...write, write: { verb: 'set', value: null, flags: 0, session: '', index: 0, ...fields } });
}

test('a TTL session lives until TTL x 2 without renewal; a renewal restarts the countdown', async (t) => {
  const { server, clock, errors } = await startServer();
  const id = await createSession(server, { TTL: '10s' });
  clock.advance(15_000);
  t.truthy(server.store.sessions.get(id));
  t.deepEqual((await server.handlers['Session.Renew']({ ...write, id }))?.map((session) => session.ID), [id]);
  clock.advance(19_999);
  t.truthy(server.store.sessions.get(id), 'renewed at 15 s: alive until 35 s');
  clock.advance(1);
  await Promise.resolve();
  t.is(server.store.sessions.get(id), undefined);
  t.deepEqual(errors, []);
  await server.stop();
  t.is(clock.pendingTimers(), 0);
});

test('the expiry of a lock holder releases the lock; a waiter acquires it once the lock-delay has passed', async (t) => {
  const { server, clock } = await startServer();
  const holder = await createSession(server, { TTL: '10s', lockDelayMs: 5_000 });
  const waiter = await createSession(server);
  t.true(await kvWrite(server, { verb: 'lock', key: 'leader', session: holder }));
  t.false(await kvWrite(server, { verb: 'lock', key: 'leader', session: waiter }));
  clock.advance(20_000);
  await Promise.resolve();
  t.is(server.store.kvs.get('leader')?.Session, undefined, 'released within TTL x 2');
  t.false(await kvWrite(server, { verb: 'lock', key: 'leader', session: waiter }), 'refused during the lock-delay');
  clock.advance(5_000);
  t.true(await kvWrite(server, { verb: 'lock', key: 'leader', session: waiter }));
  await server.stop();
});

test('a session without TTL has no timer; renewing an unknown session answers null', async (t) => {
  const { server } = await startServer();
  await createSession(server);
  t.is(server.duties.sessionTimers.size, 0);
  t.is(await server.handlers['Session.Renew']({ ...write, id: 'nope' }), null);
  await server.stop();
});

test('timers of sessions destroyed by other means are dropped', async (t) => {
  const { server } = await startServer();
  const id = await createSession(server, { TTL: '30s' });
  t.is(server.duties.sessionTimers.size, 1);
  await server.handlers['Session.Destroy']({ ...write, id });
  t.is(server.duties.sessionTimers.size, 0);
  await server.stop();
});

test('session create refuses a bad TTL and a bad behavior with Consul words', async (t) => {
  const { server } = await startServer();
  await t.throwsAsync(createSession(server, { TTL: '5s' }), { message: "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]" });
  await t.throwsAsync(createSession(server, { TTL: 'soon' }), { message: 'Session TTL \'soon\' invalid: time: invalid duration "soon"' });
  const request = { ...zeroValue(sessionCreateSchema), Behavior: 'explode' };
  await t.throwsAsync(server.handlers['Session.Create']({ ...write, request, lockDelayMs: undefined, defaultNode: 'n1' }), { message: "Invalid Behavior setting 'explode'" });
  t.is(server.store.sessions.size, 0);
  await server.stop();
});

test('tombstones are reaped one tombstone TTL after the delete, in one command per granularity bucket', async (t) => {
  const { server, clock, errors } = await startServer();
  await kvWrite(server, { key: 'a', value: Buffer.from('1') });
  await kvWrite(server, { key: 'b', value: Buffer.from('1') });
  await kvWrite(server, { verb: 'delete', key: 'a' });
  await kvWrite(server, { verb: 'delete', key: 'b' });
  t.is(server.store.tombstones.size, 2);
  t.is(server.duties.tombstoneGc.pendingBuckets, 1);
  clock.advance(limits.tombstoneTtlMs - 1);
  t.is(server.store.tombstones.size, 2);
  clock.advance(limits.tombstoneGranularityMs);
  await Promise.resolve();
  t.is(server.store.tombstones.size, 0);
  t.deepEqual(errors, []);
  await server.stop();
  t.is(clock.pendingTimers(), 0);
});
