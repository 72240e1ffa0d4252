// Goal: KV, sessions, locks, transactions and events answer as Consul's do for the `consul` npm
// package and for raw HTTP, including blocking on keys and prefixes and the refusals of bad input.
// Method: one real agent process per test (its own 127.x.y.z address); the consul package where
// it has the call, undici for what it does not (raw bodies, headers, status codes).

import test from 'ava';
import Consul from 'consul';
import { request } from 'undici';
import { type DevAgent, startAgent } from '../helpers/agent-process.js';

async function setup(t: Parameters<typeof startAgent>[0]): Promise<{ agent: DevAgent; consul: Consul; url: string; nodeName: string }> {
  const agent = await startAgent(t);
  const [host, port] = agent.httpAddress.split(':') as [string, string];
  const consul = new Consul({ host, port: Number(port) });
  const self = (await consul.agent.self()) as { Config: { NodeName: string } };
  return { agent, consul, url: `http://${agent.httpAddress}`, nodeName: self.Config.NodeName };
}

async function http(url: string, method: 'GET' | 'PUT' | 'DELETE', body?: string | Buffer): Promise<{ status: number; text: string; index: string | undefined }> {
  const response = await request(url, { method, body });
  const text = await response.body.text();
  const index = response.headers['x-consul-index'];
  return { status: response.statusCode, text, index: typeof index === 'string' ? index : undefined };
}

test('kv: set, get, keys, recurse, cas and delete through the consul package', async (t) => {
  const { consul } = await setup(t);
  t.true(await consul.kv.set('app/config/db', 'postgres://db'));
  t.true(await consul.kv.set({ key: 'app/config/cache', value: 'redis', flags: 7 }));
  const entry = (await consul.kv.get('app/config/db')) as { Value: string; Flags: number; ModifyIndex: number };
  t.is(entry.Value, 'postgres://db');
  t.is(((await consul.kv.get('app/config/cache')) as unknown as { Flags: number }).Flags, 7);
  t.deepEqual(await consul.kv.keys({ key: 'app/', separator: '/' }), ['app/config/']);
  const tree = (await consul.kv.get({ key: 'app/', recurse: true })) as { Key: string; Flags: number }[];
  t.deepEqual(tree.map((item) => [item.Key, item.Flags]), [['app/config/cache', 7], ['app/config/db', 0]]);
  // The consul package turns Consul's `false` answer into undefined.
  t.falsy(await consul.kv.set({ key: 'app/config/db', value: 'stale', cas: entry.ModifyIndex + 100 }));
  t.true(await consul.kv.set({ key: 'app/config/db', value: 'fresh', cas: entry.ModifyIndex }));
  t.is(((await consul.kv.get('app/config/db')) as { Value: string }).Value, 'fresh');
  t.true(await consul.kv.del('app/config/db'));
  t.is(await consul.kv.get('app/config/db'), undefined as never);
  t.true(await consul.kv.del({ key: 'app/', recurse: true }));
  t.deepEqual(await consul.kv.keys(''), []);
});

test('kv over raw HTTP: ?raw bytes, 404 with an index for a missing key, Consul refusals', async (t) => {
  const { url } = await setup(t);
  const bytes = Buffer.from([0, 1, 2, 255]);
  t.is((await http(`${url}/v1/kv/bin`, 'PUT', bytes)).text, 'true');
  const raw = await request(`${url}/v1/kv/bin?raw`);
  t.deepEqual(Buffer.from(await raw.body.arrayBuffer()), bytes);
  t.is(raw.headers['x-content-type-options'], 'nosniff');
  const missing = await http(`${url}/v1/kv/absent`, 'GET');
  t.is(missing.status, 404);
  t.is(missing.text, '');
  t.truthy(missing.index);
  t.deepEqual(await http(`${url}/v1/kv/?keys`, 'GET').then((r) => [r.status, r.text]), [200, '["bin"]']);
  t.is((await http(`${url}/v1/kv/nothing/?keys`, 'GET')).status, 404);
  t.deepEqual(await http(`${url}/v1/kv/`, 'GET').then((r) => [r.status, r.text]), [400, 'Missing key name']);
  t.deepEqual(await http(`${url}/v1/kv/x?cas=1&acquire=s`, 'PUT', 'v').then((r) => [r.status, r.text]), [400, 'Conflicting flags: acquire=s&cas=1\n']);
  t.deepEqual(await http(`${url}/v1/kv/x?flags=abc`, 'PUT', 'v').then((r) => r.status), 400);
  const big = await http(`${url}/v1/kv/big`, 'PUT', Buffer.alloc(512 * 1024 + 1));
  t.is(big.status, 413);
  t.true(big.text.startsWith(`Request body(${512 * 1024 + 1} bytes) too large, max size: 524288 bytes.`));
  t.deepEqual(await http(`${url}/v1/kv/a/..%2F..%2Fetc`, 'PUT', 'v').then((r) => [r.status, r.text]), [400, 'key contains path traversal sequence']);
  t.deepEqual(await http(`${url}/v1/kv/big`, 'GET').then((r) => r.status), 404, 'refused writes leave nothing behind');
  t.deepEqual(await http(`${url}/v1/kv/odd key é,:;=`, 'PUT', 'v').then((r) => r.text), 'true', 'any other key is accepted');
  // Flags are a full uint64, as Consul's lock recipe writes them (0x2ddccbc058a50c18).
  t.is((await http(`${url}/v1/kv/locked?flags=3304740253564472344`, 'PUT', 'v')).text, 'true');
  t.regex((await http(`${url}/v1/kv/locked`, 'GET')).text, /"Flags":3304740253564472344,/);
  t.regex((await http(`${url}/v1/kv/locked?pretty`, 'GET')).text, /"Flags": 3304740253564472344,/);
  t.is((await http(`${url}/v1/kv/locked?flags=18446744073709551616`, 'PUT', 'v')).status, 400);
});

test('blocking: a write under the watched prefix wakes it; a write elsewhere does not', async (t) => {
  const { url } = await setup(t);
  await http(`${url}/v1/kv/config/a`, 'PUT', '1');
  const first = await http(`${url}/v1/kv/config/?recurse`, 'GET');
  const elsewhere = http(`${url}/v1/kv/config/?recurse&index=${first.index}&wait=1s`, 'GET');
  await http(`${url}/v1/kv/other/b`, 'PUT', '2');
  t.is((await elsewhere).index, first.index, 'the unrelated write did not wake it; it timed out with the same index');
  const woken = http(`${url}/v1/kv/config/?recurse&index=${first.index}&wait=30s`, 'GET');
  await http(`${url}/v1/kv/config/b`, 'PUT', '3');
  const answer = await woken;
  t.true(Number(answer.index) > Number(first.index));
  t.deepEqual((JSON.parse(answer.text) as { Key: string }[]).map((entry) => entry.Key), ['config/a', 'config/b']);
  // A deleted key moves the prefix index forward too (tombstones).
  const deleted = http(`${url}/v1/kv/config/?recurse&index=${answer.index}&wait=30s`, 'GET');
  await http(`${url}/v1/kv/config/a`, 'DELETE');
  t.true(Number((await deleted).index) > Number(answer.index));
});

test('consul.watch on a key sees each change, including its creation', async (t) => {
  const { consul } = await setup(t);
  const seen: string[] = [];
  // node-consul's watch takes the unbound method and calls it on the client itself.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const watch = consul.watch({ method: consul.kv.get, options: { key: 'feature/flag' }, backoffFactor: 100 });
  t.teardown(() => watch.end());
  const changes = new Promise<void>((resolve, reject) => {
    watch.on('change', (data: { Value?: string } | undefined) => {
      if (data?.Value !== undefined) seen.push(data.Value);
      if (seen.length === 2) resolve();
    });
    watch.on('error', reject);
  });
  await consul.kv.set('feature/flag', 'on');
  await waitFor(() => seen.length >= 1);
  await consul.kv.set('feature/flag', 'off');
  await changes;
  t.deepEqual(seen, ['on', 'off']);
});

test('sessions: create, info, node, list, renew, destroy; two acquirers: exactly one wins', async (t) => {
  const { consul, nodeName, url } = await setup(t);
  const { ID: s1 } = (await consul.session.create({ name: 'one', ttl: '30s', lockdelay: '1s' }));
  const { ID: s2 } = (await consul.session.create({ name: 'two' }));
  const info = (await consul.session.info(s1)) as { Node: string; TTL: string; LockDelay: number; NodeChecks: string[] };
  t.like(info, { Node: nodeName, TTL: '30s', LockDelay: 1e9, NodeChecks: ['serfHealth'] });
  t.is(((await consul.session.node(nodeName)) as unknown[]).length, 2);
  t.is(((await consul.session.list()) as unknown[]).length, 2);
  t.is(((await consul.session.renew(s1)) as { ID: string }[])[0]?.ID, s1);
  const [a, b] = await Promise.all([consul.kv.set({ key: 'lock', value: 'a', acquire: s1 }), consul.kv.set({ key: 'lock', value: 'b', acquire: s2 })]);
  t.is([a, b].filter(Boolean).length, 1);
  const holder = a ? s1 : s2;
  t.is(((await consul.kv.get('lock')) as unknown as { Session: string }).Session, holder);
  t.is((await http(`${url}/v1/session/destroy/${holder}`, 'PUT')).text, 'true');
  t.is(((await consul.kv.get('lock')) as unknown as { Session?: string }).Session, undefined, 'destroy released the lock');
  t.deepEqual(await http(`${url}/v1/session/renew/${holder}`, 'PUT').then((r) => [r.status, r.text]), [404, `Session id '${holder}' not found`]);
  t.is(await consul.session.info(holder), undefined as never);
});

test('a lock holder whose TTL session expires loses the lock, and a waiter blocked on the key then gets it', async (t) => {
  const { url } = await setup(t);
  const holder = JSON.parse((await http(`${url}/v1/session/create`, 'PUT', '{"TTL":"10s","LockDelay":"0s"}')).text) as { ID: string };
  const waiter = JSON.parse((await http(`${url}/v1/session/create`, 'PUT', '{}')).text) as { ID: string };
  t.is((await http(`${url}/v1/kv/leader?acquire=${holder.ID}`, 'PUT', 'h')).text, 'true');
  t.is((await http(`${url}/v1/kv/leader?acquire=${waiter.ID}`, 'PUT', 'w')).text, 'false');
  // The waiter blocks on the key, as Consul's lock recipe does, and tries again on each change.
  let index = (await http(`${url}/v1/kv/leader`, 'GET')).index;
  for (;;) {
    const answer = await http(`${url}/v1/kv/leader?index=${index}&wait=30s`, 'GET');
    index = answer.index;
    if ((JSON.parse(answer.text) as { Session?: string }[])[0]?.Session === undefined) break;
  }
  // That the release comes at TTL x 2 exactly is proven on a ManualClock (test/server/leader-timers.test.ts).
  t.is((await http(`${url}/v1/kv/leader?acquire=${waiter.ID}`, 'PUT', 'w')).text, 'true');
});

test('transactions through the consul package: results, then a rollback with errors', async (t) => {
  const { consul, url } = await setup(t);
  const ok = await consul.transaction.create([{ KV: { Verb: 'set', Key: 't/a', Value: Buffer.from('1').toString('base64') } }, { KV: { Verb: 'get', Key: 't/a' } }] as never);
  t.is(ok.Results?.length, 2);
  t.is((ok.Results?.[1] as { KV: { Value: string } }).KV.Value, 'MQ==');
  const conflict = await request(`${url}/v1/txn`, {
    method: 'PUT',
    body: JSON.stringify([{ KV: { Verb: 'set', Key: 't/b', Value: 'Mg==' } }, { KV: { Verb: 'check-not-exists', Key: 't/a' } }]),
  });
  t.is(conflict.statusCode, 409);
  t.deepEqual(await conflict.body.json(), { Results: null, Errors: [{ OpIndex: 1, What: 'key "t/a" exists' }] });
  t.is(await consul.kv.get('t/b'), undefined as never);
});

test('txn refusals: bad base64 400, unknown verb 409, too many operations 413, oversized value 413; nothing written', async (t) => {
  const { url } = await setup(t);
  const put = (body: unknown) => http(`${url}/v1/txn`, 'PUT', JSON.stringify(body));
  const badBase64 = await put([{ KV: { Verb: 'set', Key: 'k', Value: 'not base64!' } }]);
  t.is(badBase64.status, 400);
  t.regex(badBase64.text, /^Failed to parse body: failed to decode value: illegal base64 data at input byte \d+$/);
  const unknownVerb = await put([{ KV: { Verb: 'set', Key: 'k', Value: 'dg==' } }, { KV: { Verb: 'frobnicate', Key: 'k' } }]);
  t.is(unknownVerb.status, 409);
  t.is(unknownVerb.text, '{"Results":null,"Errors":[{"OpIndex":1,"What":"unknown KV verb \\"frobnicate\\""}]}');
  const many = await put(Array.from({ length: 129 }, (_, i) => ({ KV: { Verb: 'set', Key: `k${i}` } })));
  t.deepEqual([many.status, many.text], [413, 'Transaction contains too many operations (129 > 128)']);
  // A value over 512 KiB cannot fit a body under 512 KiB once base64-encoded: the body limit answers.
  const big = await put([{ KV: { Verb: 'set', Key: 'k', Value: Buffer.alloc(400 * 1024).toString('base64') } }]);
  t.deepEqual([big.status, big.text], [413, 'Request body too large, max size: 524288 bytes']);
  t.deepEqual(await put('nope').then((r) => [r.status, r.text.startsWith('Failed to parse body:')]), [400, true]);
  t.is((await http(`${url}/v1/kv/?keys`, 'GET')).text, '[]');
});

test('session refusals: invalid TTL, unknown session on acquire, missing node; state untouched', async (t) => {
  const { url } = await setup(t);
  t.deepEqual(await http(`${url}/v1/session/create`, 'PUT', '{"TTL":"1s"}').then((r) => [r.status, r.text]), [
    400,
    "Invalid Session TTL '1000000000', must be between [10s=24h0m0s]",
  ]);
  t.deepEqual(await http(`${url}/v1/session/create`, 'PUT', '{"Node":"ghost"}').then((r) => [r.status, r.text]), [400, 'Missing node registration']);
  t.deepEqual(await http(`${url}/v1/session/create`, 'PUT', '{"Behavior":"explode"}').then((r) => [r.status, r.text]), [400, "Invalid Behavior setting 'explode'"]);
  t.deepEqual(await http(`${url}/v1/kv/k?acquire=no-such-session`, 'PUT', 'v').then((r) => [r.status, r.text]), [400, 'invalid session "no-such-session"']);
  t.is((await http(`${url}/v1/session/list`, 'GET')).text, '[]');
  t.is((await http(`${url}/v1/kv/k`, 'GET')).status, 404);
});

test('events: fire with a payload and filters, list with a name filter, block until the next event', async (t) => {
  const { consul, url, nodeName } = await setup(t);
  const fired = (await consul.event.fire('deploy', 'v2')) as { ID: string; Name: string; Payload: string; LTime: number };
  t.like(fired, { Name: 'deploy', LTime: 0 });
  t.is(fired.Payload, 'v2', 'the consul package decodes the payload');
  await http(`${url}/v1/event/fire/elsewhere?node=^not-this-node$`, 'PUT');
  const listed = (await consul.event.list()) as { ID: string; Payload: string }[];
  t.deepEqual(listed.map((event) => event.ID), [fired.ID], 'an event whose node filter excludes this agent is not kept');
  const first = await http(`${url}/v1/event/list?name=deploy`, 'GET');
  const next = http(`${url}/v1/event/list?name=deploy&index=${first.index}&wait=30s`, 'GET');
  await http(`${url}/v1/event/fire/deploy?node=${encodeURIComponent(nodeName)}`, 'PUT', 'v3');
  const woken = await next;
  t.not(woken.index, first.index);
  t.is((JSON.parse(woken.text) as unknown[]).length, 2);
  t.deepEqual(await http(`${url}/v1/event/fire/x?tag=a`, 'PUT').then((r) => [r.status, r.text]), [400, 'Cannot provide tag filter without service filter']);
  t.deepEqual(await http(`${url}/v1/event/fire/x?node=(`, 'PUT').then((r) => r.status), 400);
  t.deepEqual(await http(`${url}/v1/event/fire/x`, 'PUT', 'p'.repeat(600)).then((r) => [r.status, r.text]), [400, 'user event exceeds configured limit of 512 bytes before encoding']);
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
