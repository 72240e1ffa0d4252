// Goal: GET /v1/snapshot and PUT /v1/snapshot round-trip the whole state of a real agent: after
// save → change → restore, KV (with a held lock), sessions, the catalog and config entries read
// back exactly, with the same X-Consul-Index on every read; a blocked query returns when the
// restore lands; a damaged file is refused with 400 and nothing changes; 50,000 keys restore.
// Method: one real agent process per test on its own loopback address, raw HTTP through undici.

import test from 'ava';
import { request } from 'undici';
import { startAgent } from '../helpers/agent-process.js';

interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly index: string | undefined;
}

async function http(url: string, method: 'GET' | 'PUT' | 'DELETE' = 'GET', body?: string | Buffer): Promise<Answer> {
  const response = await request(url, { method, body, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const index = response.headers['x-consul-index'];
  return { status: response.statusCode, body: bytes, index: typeof index === 'string' ? index : undefined };
}

async function ok(url: string, method: 'GET' | 'PUT' | 'DELETE' = 'GET', body?: string | Buffer): Promise<Answer> {
  const answer = await http(url, method, body);
  if (answer.status !== 200) throw new Error(`${method} ${url}: ${answer.status} ${answer.body.toString()}`);
  return answer;
}

/** The reads whose bodies and indexes a restore must bring back. */
const reads = ['/v1/kv/?recurse', '/v1/kv/app/locked', '/v1/catalog/service/db', '/v1/catalog/node/ext-1', '/v1/session/list', '/v1/config/service-defaults/web', '/v1/health/service/db'];

async function readAll(url: string): Promise<Record<string, { body: string; index: string | undefined }>> {
  const out: Record<string, { body: string; index: string | undefined }> = {};
  for (const path of reads) {
    const answer = await http(`${url}${path}`);
    out[path] = { body: `${answer.status} ${answer.body.toString()}`, index: answer.index };
  }
  return out;
}

async function seed(url: string, nodeName: string): Promise<void> {
  await ok(`${url}/v1/kv/app/a`, 'PUT', 'one');
  await ok(`${url}/v1/kv/app/b?flags=42`, 'PUT', Buffer.from([0, 1, 2, 255]));
  await ok(`${url}/v1/kv/app/gone`, 'PUT', 'x');
  await ok(`${url}/v1/kv/app/gone`, 'DELETE');
  const registration = { Node: 'ext-1', Address: '10.1.2.3', NodeMeta: { rack: 'r1' }, Service: { ID: 'db-1', Service: 'db', Port: 5432, Tags: ['primary'] }, Check: { CheckID: 'db-ok', Name: 'db', Status: 'passing', ServiceID: 'db-1' } };
  await ok(`${url}/v1/catalog/register`, 'PUT', JSON.stringify(registration));
  const session = JSON.parse((await ok(`${url}/v1/session/create`, 'PUT', JSON.stringify({ Name: 'holder', Node: nodeName }))).body.toString()) as { ID: string };
  await ok(`${url}/v1/kv/app/locked?acquire=${session.ID}`, 'PUT', 'mine');
  await ok(`${url}/v1/config`, 'PUT', JSON.stringify({ Kind: 'service-defaults', Name: 'web', Protocol: 'http', Meta: { owner: 'team' } }));
}

async function change(url: string): Promise<void> {
  await ok(`${url}/v1/kv/app/a`, 'PUT', 'changed');
  await ok(`${url}/v1/kv/app/new`, 'PUT', 'new');
  await ok(`${url}/v1/kv/app/b`, 'DELETE');
  await ok(`${url}/v1/catalog/deregister`, 'PUT', JSON.stringify({ Node: 'ext-1' }));
  for (const session of JSON.parse((await ok(`${url}/v1/session/list`)).body.toString()) as { ID: string }[]) await ok(`${url}/v1/session/destroy/${session.ID}`, 'PUT');
  await ok(`${url}/v1/config/service-defaults/web`, 'DELETE');
}

test('save → change → restore brings back KV, locks, sessions, catalog, config entries and every index', async (t) => {
  const agent = await startAgent(t);
  const url = agent.baseUrl;
  const self = JSON.parse((await ok(`${url}/v1/agent/self`)).body.toString()) as { Config: { NodeName: string } };
  await seed(url, self.Config.NodeName);
  const before = await readAll(url);
  const saved = await ok(`${url}/v1/snapshot`);
  t.truthy(saved.index);
  t.true(Number(saved.index) >= Math.max(...Object.values(before).map((read) => Number(read.index))));
  await change(url);
  const changed = await readAll(url);
  t.notDeepEqual(changed, before);

  const blockedIndex = Number((await ok(`${url}/v1/kv/app/a`)).index);
  const blocked = http(`${url}/v1/kv/app/a?index=${blockedIndex}&wait=10m`);
  t.is((await http(`${url}/v1/snapshot`, 'PUT', saved.body)).status, 200);
  const woken = await blocked;
  t.is(woken.status, 200, 'the blocked query returned when the restore landed, long before its wait');
  t.true(Number(woken.index) < blockedIndex, 'with the restored (lower) index, so the client starts over');

  t.deepEqual(await readAll(url), before);
  // Writes after the restore land above every restored index.
  const after = await ok(`${url}/v1/kv/app/after`, 'PUT', 'x');
  t.is(after.body.toString(), 'true');
  t.true(Number((await ok(`${url}/v1/kv/app/after`)).index) > Number(saved.index));
});

test('a damaged or foreign file is refused with 400 and changes nothing; GET ?stale works', async (t) => {
  const agent = await startAgent(t);
  const url = agent.baseUrl;
  await ok(`${url}/v1/kv/k`, 'PUT', 'v1');
  const saved = await ok(`${url}/v1/snapshot?stale`);
  await ok(`${url}/v1/kv/k`, 'PUT', 'v2');
  const before = await http(`${url}/v1/kv/?recurse`);
  const flipped = Buffer.from(saved.body);
  const middle = Math.floor(flipped.length / 2);
  flipped[middle] = (flipped[middle] ?? 0) ^ 0x01;
  const cases: [string, Buffer, RegExp][] = [
    ['one flipped byte', flipped, /checksum mismatch/],
    ['truncated', saved.body.subarray(0, saved.body.length - 1), /checksum mismatch/],
    ['not a snapshot', Buffer.from('{"Kind":"service-defaults"}'), /not a taxiway snapshot/],
    ['empty body', Buffer.alloc(0), /not a taxiway snapshot/],
  ];
  for (const [name, body, message] of cases) {
    const answer = await http(`${url}/v1/snapshot`, 'PUT', body);
    t.is(answer.status, 400, name);
    t.regex(answer.body.toString(), message, name);
  }
  t.deepEqual(await http(`${url}/v1/kv/?recurse`), before, 'no state changed');
});

test('a snapshot of 50,000 keys restores them all', async (t) => {
  const agent = await startAgent(t);
  const url = agent.baseUrl;
  const keys = 50_000;
  const perTxn = 128;
  for (let start = 0; start < keys; start += perTxn) {
    const ops = [];
    for (let i = start; i < Math.min(keys, start + perTxn); i++) ops.push({ KV: { Verb: 'set', Key: `bulk/${i}`, Value: Buffer.from(`value-${i}`).toString('base64') } });
    await ok(`${url}/v1/txn`, 'PUT', JSON.stringify(ops));
  }
  const saved = await ok(`${url}/v1/snapshot`);
  await ok(`${url}/v1/kv/bulk/?recurse`, 'DELETE');
  t.is((await http(`${url}/v1/kv/bulk/?keys`)).status, 404);
  t.is((await http(`${url}/v1/snapshot`, 'PUT', saved.body)).status, 200);
  const listed = JSON.parse((await ok(`${url}/v1/kv/bulk/?keys`)).body.toString()) as string[];
  t.is(listed.length, keys);
  t.is((await ok(`${url}/v1/kv/bulk/49999?raw`)).body.toString(), 'value-49999');
});
