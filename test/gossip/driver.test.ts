// Goal: the gossip driver on real UDP and TCP sockets: members join through a seed, detect a member
// that stops, survive a forged suspicion by refuting it, see a graceful leave, carry user events,
// and encrypt everything: the wrong key is refused and counted, and a key rotation (install, use,
// remove) keeps the pool together. Method: several GossipPools in this process, each on its own
// 127.0.0.x address with an ephemeral port, with fast timings (200 ms probes); every wait has a
// deadline and the pools are closed in teardown.

import test, { type ExecutionContext } from 'ava';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { GossipPool, Keyring, type Encryption, type SwimTiming } from '../../src/gossip/driver/index.js';
import { encodeMessage, encodePacket } from '../../src/gossip/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { CryptoRandom } from '../../src/lib/random.js';
import { waitFor } from '../helpers/agent-process.js';

export const fastTiming: SwimTiming = {
  probeIntervalMs: 200,
  probeTimeoutMs: 100,
  gossipIntervalMs: 50,
  suspicionMult: 2,
  pushPullIntervalMs: 2_000,
  gossipToTheDeadMs: 5_000,
  reconnectIntervalMs: 1_000,
};

const plaintext: Encryption = { keyring: undefined, verifyIncoming: true, verifyOutgoing: true };
const subnet = randomInt(1, 250);
let nextHost = 2;

async function startPool(t: ExecutionContext, name: string, encryption: Encryption = plaintext, events?: string[]): Promise<GossipPool> {
  const host = `127.0.${subnet}.${nextHost++}`;
  const pool = await GossipPool.start({
    name,
    bindHost: host,
    port: 0,
    advertiseHost: host,
    meta: { role: 'node' },
    timing: fastTiming,
    encryption,
    clock: new SystemClock(),
    random: new CryptoRandom(),
    onUserEvent: (event) => events?.push(`${event.name}:${Buffer.from(event.payload).toString()}`),
  });
  t.teardown(() => pool.close());
  return pool;
}

function statusOf(pool: GossipPool, name: string): string | undefined {
  return pool.member(name)?.status;
}

async function cluster(t: ExecutionContext, names: string[], encryption: (i: number) => Encryption = () => plaintext): Promise<GossipPool[]> {
  const pools = await Promise.all(names.map((name, i) => startPool(t, name, encryption(i))));
  const [seed, ...rest] = pools;
  for (const pool of rest) t.is((await pool.join([seed!.address])).joined, 1);
  await waitFor('every member sees every other alive', () => pools.every((p) => names.every((n) => statusOf(p, n) === 'alive')), 10_000);
  return pools;
}

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const encrypted = (...keys: Buffer[]): Encryption => ({ keyring: new Keyring(keys[0]!, keys.slice(1)), verifyIncoming: true, verifyOutgoing: true });

test('members join through a seed and all see each other alive', async (t) => {
  const pools = await cluster(t, ['a', 'b', 'c', 'd']);
  t.deepEqual(pools[3]!.members().map((m) => m.name).sort(), ['a', 'b', 'c', 'd']);
  t.is(pools[0]!.member('d')?.meta.role, 'node');
});

test('a member that stops is marked failed by every other member', async (t) => {
  const pools = await cluster(t, ['a', 'b', 'c', 'd']);
  await pools[3]!.close();
  const others = pools.slice(0, 3);
  await waitFor('d failed everywhere', () => others.every((p) => statusOf(p, 'd') === 'failed'), 15_000);
  t.true(others.every((p) => ['a', 'b', 'c'].every((n) => statusOf(p, n) === 'alive')));
});

test('a forged suspicion of a live member is refuted', async (t) => {
  const pools = await cluster(t, ['a', 'b', 'c']);
  const before = pools[1]!.stats().incarnation;
  const forged = encodePacket([encodeMessage({ type: 'suspect', incarnation: before, node: 'b', from: 'mallory' })]);
  const udp = createSocket('udp4');
  t.teardown(() => udp.close());
  const [host, port] = pools[0]!.address.split(':');
  await new Promise<void>((resolve) => udp.send(forged, Number(port), host, () => resolve()));
  await waitFor('b refutes', () => pools[1]!.stats().refutations > 0, 10_000);
  t.true(pools[1]!.stats().incarnation > before);
  await waitFor('b alive again everywhere', () => pools.every((p) => statusOf(p, 'b') === 'alive'), 10_000);
});

test('a graceful leave is seen as left, not failed', async (t) => {
  const pools = await cluster(t, ['a', 'b', 'c']);
  await pools[2]!.leave();
  await pools[2]!.close();
  await waitFor('c left everywhere', () => pools.slice(0, 2).every((p) => statusOf(p, 'c') === 'left'), 10_000);
  t.pass();
});

test('user events reach every member once', async (t) => {
  const names = ['a', 'b', 'c'];
  const seen = names.map(() => [] as string[]);
  const pools = await Promise.all(names.map((name, i) => startPool(t, name, plaintext, seen[i])));
  for (const pool of pools.slice(1)) await pool.join([pools[0]!.address]);
  await waitFor('all alive', () => pools.every((p) => names.every((n) => statusOf(p, n) === 'alive')), 10_000);
  t.is(pools[2]!.fireUserEvent('deploy', Buffer.from('v2')).type, 'ok');
  await waitFor('everybody got the event', () => seen.every((s) => s.includes('deploy:v2')), 10_000);
  t.true(seen.every((s) => s.length === 1));
});

test('encrypted pool: the right key joins, the wrong key is refused and counted', async (t) => {
  const pools = await cluster(t, ['a', 'b'], () => encrypted(keyA));
  const intruder = await startPool(t, 'eve', encrypted(keyB));
  const result = await intruder.join([pools[0]!.address]);
  t.is(result.joined, 0);
  t.true(pools[0]!.stats().streamsRefused >= 1);
  t.is(statusOf(pools[0]!, 'eve'), undefined);
  const plain = await startPool(t, 'plain');
  t.is((await plain.join([pools[0]!.address])).joined, 0);
  t.true(pools[0]!.stats().streamsRefused >= 2);
});

test('key rotation: install, use, remove keeps the pool together', async (t) => {
  const pools = await cluster(t, ['a', 'b', 'c'], () => encrypted(keyA));
  const newKey = keyB.toString('base64');
  const oldKey = keyA.toString('base64');
  const installed = await pools[0]!.keyring('install', newKey);
  t.deepEqual(installed.messages, {});
  t.is(installed.keys[newKey], 3);
  t.is((await pools[1]!.keyring('use', newKey)).primaryKeys[newKey], 3);
  const removed = await pools[2]!.keyring('remove', oldKey);
  t.deepEqual(removed.keys, { [newKey]: 3 });
  const joiner = await startPool(t, 'd', encrypted(keyB));
  t.is((await joiner.join([pools[1]!.address])).joined, 1);
  await waitFor('d alive everywhere', () => pools.every((p) => statusOf(p, 'd') === 'alive'), 10_000);
  const refusedBefore = pools[0]!.stats().packetsRefused;
  t.true(pools.every((p) => ['a', 'b', 'c'].every((n) => statusOf(p, n) === 'alive')));
  t.is(pools[0]!.stats().packetsRefused, refusedBefore);
  t.is((await pools[0]!.keyring('remove', newKey)).messages.a, 'Removing the primary key is not allowed');
});

test('force-leave of a failed member reaches every member; prune forgets it everywhere', async (t) => {
  const pools = await cluster(t, ['a', 'b', 'c', 'd']);
  await pools[3]!.close();
  const others = pools.slice(0, 3);
  await waitFor('d failed everywhere', () => others.every((p) => statusOf(p, 'd') === 'failed'), 15_000);
  t.true(await pools[0]!.forceLeave('d', false));
  t.true(others.every((p) => statusOf(p, 'd') === 'left'));
  t.true(await pools[1]!.forceLeave('d', true));
  t.true(others.every((p) => statusOf(p, 'd') === undefined));
  t.false(await pools[0]!.forceLeave('nobody', false));
});

test('random bytes and oversized datagrams are counted and dropped; the pool carries on', async (t) => {
  const pools = await cluster(t, ['a', 'b']);
  const udp = createSocket('udp4');
  t.teardown(() => udp.close());
  const [host, port] = pools[0]!.address.split(':');
  const send = (bytes: Buffer): Promise<void> => new Promise((resolve) => udp.send(bytes, Number(port), host, () => resolve()));
  for (let i = 0; i < 20; i++) await send(randomBytes(1 + randomInt(1_000)));
  await send(Buffer.alloc(8_000, 1));
  await waitFor('garbage counted', () => pools[0]!.stats().badPackets >= 15 && pools[0]!.stats().packetsOversized === 1, 10_000);
  t.is(statusOf(pools[0]!, 'b'), 'alive');
  t.true(pools[1]!.fireUserEvent('still-here', Buffer.alloc(0)).type === 'ok');
});
