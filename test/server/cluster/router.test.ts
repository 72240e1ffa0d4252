// The RPC router's decisions with a scripted leadership and remote: what is served here, what is
// forwarded to the leader, what waits for an election, what is retried and what is not.

import test from 'ava';
import { TaxiwayError } from '../../../src/lib/errors.js';
import { ManualClock, SystemClock } from '../../../src/lib/clock.js';
import type { RpcHandlers } from '../../../src/rpc/protocol.js';
import { WireError } from '../../../src/rpc/wire/wire-error.js';
import { RpcRouter } from '../../../src/server/cluster/router.js';
import type { Leadership } from '../../../src/server/leadership.js';

interface Script {
  leader: boolean;
  address: string | undefined;
  lastContactMs: number;
}

function leadership(script: Script): Leadership {
  return {
    isLeader: () => script.leader,
    leaderAddress: () => script.address,
    lastContactMs: () => script.lastContactMs,
    barrier: () => Promise.resolve(),
    waitForLeader: () => (script.address === undefined ? Promise.reject(new TaxiwayError('no_leader', 'No cluster leader')) : Promise.resolve(script.address)),
    peers: () => [],
  };
}

const handlers = {
  'KVS.Get': () => Promise.resolve('local-read'),
  'KVS.Apply': () => Promise.resolve('local-write'),
  'Status.Leader': () => Promise.resolve('status'),
} as unknown as RpcHandlers;

const read = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({ allowStale: false, maxStaleMs: 0, minQueryIndex: 0, maxQueryTimeMs: 0, ...fields });

test('the leader serves everything itself', async (t) => {
  const router = new RpcRouter(() => handlers, leadership({ leader: true, address: 'me:8300', lastContactMs: 0 }), () => t.fail(), new SystemClock());
  t.is(await router.route('KVS.Apply', { datacenter: '' }, 0), 'local-write');
  t.is(await router.route('KVS.Get', read(), 0), 'local-read');
});

test('a follower forwards writes and default reads, serves ?stale itself unless max_stale is exceeded', async (t) => {
  const script = { leader: false, address: 'leader:8300', lastContactMs: 300 };
  const forwarded: string[] = [];
  const router = new RpcRouter(() => handlers, leadership(script), (address, method, _args, hops) => {
    forwarded.push(`${method}@${address}#${hops}`);
    return Promise.resolve('remote');
  }, new SystemClock());
  t.is(await router.route('KVS.Apply', { datacenter: '' }, 0), 'remote');
  t.is(await router.route('KVS.Get', read(), 0), 'remote');
  t.is(await router.route('KVS.Get', read({ allowStale: true }), 0), 'local-read');
  t.is(await router.route('KVS.Get', read({ allowStale: true, maxStaleMs: 1000 }), 0), 'local-read');
  t.is(await router.route('KVS.Get', read({ allowStale: true, maxStaleMs: 100 }), 0), 'remote');
  t.is(await router.route('Status.Leader', { datacenter: '' }, 0), 'status');
  t.deepEqual(forwarded, ['KVS.Apply@leader:8300#1', 'KVS.Get@leader:8300#1', 'KVS.Get@leader:8300#1']);
});

test('a call forwarded too often fails with no_leader; an unknown method is a bad request', async (t) => {
  const router = new RpcRouter(() => handlers, leadership({ leader: false, address: 'x:8300', lastContactMs: 0 }), () => Promise.resolve('remote'), new SystemClock());
  t.is((await t.throwsAsync<TaxiwayError>(router.route('KVS.Apply', { datacenter: '' }, 2)))?.code, 'no_leader');
  t.is((await t.throwsAsync<TaxiwayError>(router.route('Nope.Nothing' as never, {}, 0)))?.code, 'bad_request');
});

test('a write whose leader refused the connection is retried on the next leader; one lost after sending is not', async (t) => {
  const clock = new ManualClock();
  const script = { leader: false, address: 'old:8300', lastContactMs: 0 };
  const attempts: string[] = [];
  const router = new RpcRouter(() => handlers, leadership(script), (address) => {
    attempts.push(address);
    if (address === 'old:8300') return Promise.reject(new WireError('connect_failed', 'internal', 'refused'));
    return Promise.resolve(`written by ${address}`);
  }, clock);
  let result: unknown;
  void router.route('KVS.Apply', { datacenter: '' }, 0).then((value) => (result = value));
  for (let step = 0; step < 50 && result === undefined; step++) {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    if (attempts.length > 0) script.address = 'new:8300';
    clock.advance(50);
  }
  t.is(result, 'written by new:8300');
  t.deepEqual(attempts, ['old:8300', 'new:8300']);

  const lost = new RpcRouter(() => handlers, leadership({ leader: false, address: 'gone:8300', lastContactMs: 0 }), () => Promise.reject(new WireError('closed', 'internal', 'reset')), clock);
  t.is((await t.throwsAsync<WireError>(lost.route('KVS.Apply', { datacenter: '' }, 0)))?.failure, 'closed');
});
