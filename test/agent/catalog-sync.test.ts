// Goal: CatalogSync pushes exactly what changed locally, node first (nothing else goes while the
// node push fails), a service together with its checks, deregistrations for what was removed; a
// failed push is kept and retried after a jittered exponential backoff (1 s doubling to 30 s,
// half of it random), reset by a success; stop() leaves no timer.
// Method: a fake RpcClient that records calls and fails on cue (servers unreachable), a
// ManualClock to fire the retry timers at exact times, and SeededRandom copies to predict the jitter.

import test from 'ava';
import type { LocalCheck, LocalService } from '../../src/agent/local-state.js';
import { SeededRandom } from '../../src/lib/random.js';
import { TaxiwayError } from '../../src/lib/errors.js';
import { agentParts, type RecordedCall, seed, settle } from './fakes.js';

function service(id: string, token = ''): LocalService {
  return {
    service: { ID: id, Service: id, Tags: [], Address: '', Meta: {}, Port: 80, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Proxy: {}, Connect: {} },
    token,
    source: 'api',
  };
}

function check(id: string, serviceId = '', token = ''): LocalCheck {
  return {
    check: { Node: 'agent-1', CheckID: id, Name: id, Status: 'critical', Notes: '', Output: '', ServiceID: serviceId, Type: 'ttl', Interval: '', Timeout: '', ExposedPort: 0, Definition: {} },
    definition: undefined,
    token,
    source: 'api',
  };
}

const isNodePush = (call: RecordedCall): boolean => {
  const registration = call.args.registration as { service: unknown; checks: unknown[] } | undefined;
  return registration !== undefined && registration.service === null && registration.checks.length === 0;
};

/** The retry delays the sync will pick, from a copy of its seeded stream. */
function expectedDelays(count: number): number[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const baseMs = Math.min(30_000, 1_000 * 2 ** i);
    return baseMs / 2 + random.float() * (baseMs / 2);
  });
}

test('the first sync pushes the node, then each service with its checks in one registration', async (t) => {
  const { rpc, local, sync } = agentParts();
  local.addService(service('web'), [check('c1', 'web'), check('c2', 'web')], false);
  local.addCheck(check('mem'));
  await sync.syncChanges();
  t.deepEqual(rpc.summary(), ['register node', 'register web [c1,c2]', 'register node-level [mem]']);
  const [nodeCall, serviceCall] = rpc.calls;
  t.like(nodeCall?.args, { datacenter: 'dc1', token: 'agent-token', registration: { skipNodeUpdate: false } });
  t.like(serviceCall?.args, { registration: { skipNodeUpdate: true, node: { Node: 'agent-1' } } });
  await sync.syncChanges();
  t.is(rpc.calls.length, 3, 'nothing pending: nothing pushed');
});

test('later changes push only what changed', async (t) => {
  const { rpc, local, sync } = agentParts();
  local.addService(service('web'), [check('c1', 'web')], false);
  local.addService(service('api'), [], false);
  await sync.syncChanges();
  rpc.calls.length = 0;
  local.updateCheck('c1', 'passing', 'ok');
  await sync.syncChanges();
  t.deepEqual(rpc.summary(), ['register web [c1]'], 'a service check goes with its service');
  rpc.calls.length = 0;
  local.nodeChanged();
  await sync.syncChanges();
  t.deepEqual(rpc.summary(), ['register node']);
});

test('removals become deregistrations, with the agent token', async (t) => {
  const { rpc, local, sync } = agentParts();
  local.addService(service('web', 'svc-token'), [check('c1', 'web')], false);
  local.addCheck(check('mem'));
  await sync.syncChanges();
  rpc.calls.length = 0;
  local.removeService('web');
  local.removeCheck('mem');
  await sync.syncChanges();
  const summary = rpc.summary();
  t.true(summary.includes('deregister service web'));
  t.true(summary.includes('deregister check mem'));
  t.false(summary.some((line) => line.startsWith('register')));
  for (const call of rpc.calls) t.like(call.args, { token: 'agent-token', node: 'agent-1', datacenter: 'dc1' });
});

test('a service registration carries the service token; the node push the agent token', async (t) => {
  const { rpc, local, sync } = agentParts();
  local.addService(service('web', 'svc-token'), [], false);
  await sync.syncChanges();
  t.deepEqual(
    rpc.calls.map((call) => call.args.token),
    ['agent-token', 'svc-token'],
  );
});

test('while the node push fails nothing else is pushed; the retry pushes the node first', async (t) => {
  const { rpc, local, sync, clock } = agentParts();
  let serversDown = true;
  rpc.failing = (call) => serversDown && isNodePush(call);
  local.addService(service('web'), [check('c1', 'web')], false);
  await sync.syncChanges();
  await settle();
  t.deepEqual(rpc.summary(), ['register node']);
  t.is(clock.pendingTimers(), 1);
  serversDown = false;
  clock.advance(expectedDelays(1)[0]! + 1);
  await settle();
  t.deepEqual(rpc.summary(), ['register node', 'register node', 'register web [c1]']);
  t.is(clock.pendingTimers(), 0);
});

test('a failed service push is retried alone, with its checks', async (t) => {
  const { rpc, local, sync, clock } = agentParts();
  let webFails = true;
  rpc.failing = (call) => webFails && (call.args.registration as { service: { ID: string } | null } | undefined)?.service?.ID === 'web';
  local.addService(service('web'), [check('c1', 'web')], false);
  local.addService(service('api'), [check('a1', 'api')], false);
  await sync.syncChanges();
  await settle();
  t.deepEqual(rpc.summary(), ['register node', 'register web [c1]', 'register api [a1]']);
  webFails = false;
  rpc.calls.length = 0;
  clock.advance(expectedDelays(1)[0]! + 1);
  await settle();
  t.deepEqual(rpc.summary(), ['register web [c1]']);
});

test('retries back off: 1 s doubling to 30 s, each delay half fixed and half seeded jitter', async (t) => {
  const { rpc, sync, clock } = agentParts();
  rpc.failing = () => true;
  await sync.syncChanges();
  await settle();
  const delays = expectedDelays(8);
  for (const [i, delayMs] of delays.entries()) {
    const baseMs = Math.min(30_000, 1_000 * 2 ** i);
    t.true(delayMs >= baseMs / 2 && delayMs <= baseMs, `retry ${i + 1}: ${delayMs} ms within [${baseMs / 2}, ${baseMs}]`);
    const calls = rpc.calls.length;
    clock.advance(delayMs - 1);
    await settle();
    t.is(rpc.calls.length, calls, `retry ${i + 1} not before ${delayMs} ms`);
    clock.advance(2);
    await settle();
    t.is(rpc.calls.length, calls + 1, `retry ${i + 1} at ${delayMs} ms`);
    t.is(clock.pendingTimers(), 1, 'exactly one retry timer at a time');
  }
  sync.stop();
  t.is(clock.pendingTimers(), 0);
});

test('a success resets the backoff', async (t) => {
  const { rpc, local, sync, clock } = agentParts();
  let down = true;
  rpc.failing = () => down;
  await sync.syncChanges();
  await settle();
  const [first, second, third] = expectedDelays(3);
  clock.advance(first! + 1);
  await settle();
  down = false;
  clock.advance(second! + 1);
  await settle();
  t.is(clock.pendingTimers(), 0, 'synced');
  down = true;
  local.nodeChanged();
  await sync.syncChanges();
  await settle();
  // Third draw of the stream, but with the 1 s base again: [500, 1000) ms, not [2000, 4000).
  const random = new SeededRandom(seed);
  random.float();
  random.float();
  const resetDelayMs = 500 + random.float() * 500;
  t.true(third! >= 2000, 'the un-reset delay would have been at least 2 s');
  const calls = rpc.calls.length;
  clock.advance(resetDelayMs + 1);
  await settle();
  t.is(rpc.calls.length, calls + 1);
  sync.stop();
});

test('stop() cancels the pending retry and nothing more is pushed', async (t) => {
  const { rpc, sync, clock } = agentParts();
  rpc.failing = () => true;
  await sync.syncChanges();
  await settle();
  t.is(clock.pendingTimers(), 1);
  sync.stop();
  t.is(clock.pendingTimers(), 0);
  clock.advance(60 * 60_000);
  await settle();
  t.is(rpc.calls.length, 1);
});

test('a change made while a push is in flight is pushed before its caller is answered', async (t) => {
  const { rpc, local, sync } = agentParts();
  const first = sync.syncChanges();
  local.addService(service('web'), [], false);
  const second = sync.syncChanges();
  await first;
  await second;
  t.deepEqual(rpc.summary(), ['register node', 'register web']);
});

test('a refusal retrying cannot fix is not retried; an unreachable server is', async (t) => {
  const { rpc, local, sync, clock } = agentParts();
  rpc.refusing = (call) => {
    const registration = call.args.registration as { service: { ID: string } | null } | undefined;
    return registration?.service?.ID === 'bad' ? new TaxiwayError('bad_request', 'Invalid service address') : undefined;
  };
  local.addService(service('bad'), [], false);
  await sync.syncChanges();
  t.deepEqual(rpc.summary(), ['register node', 'register bad']);
  t.is(clock.pendingTimers(), 0, 'no retry scheduled');
});

test('removing a service deregisters it once, not also each of its checks', async (t) => {
  const { rpc, local, sync } = agentParts();
  local.addService(service('web'), [check('web-a', 'web'), check('web-b', 'web')], false);
  await sync.syncChanges();
  local.removeService('web');
  await sync.syncChanges();
  t.deepEqual(rpc.summary().slice(-1), ['deregister service web']);
  t.is(rpc.summary().filter((line) => line.startsWith('deregister')).length, 1);
});
