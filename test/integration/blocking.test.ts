// Goal: blocking queries behave as Consul clients expect over real HTTP: a read with ?index=
// returns only when its answer changed or ?wait passed, a change elsewhere does not wake it, the
// index never goes backwards nor is 0, and node-consul's watch sees every change.
// Method: one real dev agent; waits are bounded by deadlines, never fixed sleeps.

import test from 'ava';
import Consul from 'consul';
import { request } from 'undici';
import { startAgent } from '../helpers/agent-process.js';

async function get(url: string): Promise<{ index: number; body: unknown }> {
  const response = await request(url);
  return { index: Number(response.headers['x-consul-index']), body: await response.body.json() };
}

async function put(url: string, body: unknown): Promise<void> {
  const response = await request(url, { method: 'PUT', body: JSON.stringify(body) });
  if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${await response.body.text()}`);
  await response.body.dump();
}

test('a blocked health query returns when its service changes, not when another one does', async (t) => {
  const agent = await startAgent(t);
  await put(`${agent.baseUrl}/v1/agent/service/register`, { Name: 'web', Port: 80 });
  await put(`${agent.baseUrl}/v1/agent/service/register`, { Name: 'other', Port: 81 });
  const first = await get(`${agent.baseUrl}/v1/health/service/web`);
  t.true(first.index > 0);

  let returned = false;
  const blocked = get(`${agent.baseUrl}/v1/health/service/web?index=${first.index}&wait=30s`).then((result) => {
    returned = true;
    return result;
  });
  // A change to another service must not wake the watcher of web: register it, then prove the
  // blocked query is still waiting by completing a later request first.
  await put(`${agent.baseUrl}/v1/agent/service/register`, { Name: 'other', Port: 82 });
  await get(`${agent.baseUrl}/v1/catalog/services`);
  t.false(returned);

  await put(`${agent.baseUrl}/v1/agent/service/register`, { Name: 'web', Port: 8080 });
  const second = await blocked;
  t.true(second.index > first.index);
  t.is((second.body as { Service: { Port: number } }[])[0]?.Service.Port, 8080);
});

test('?wait elapses with the same index; an identical re-registration changes nothing', async (t) => {
  const agent = await startAgent(t);
  await put(`${agent.baseUrl}/v1/agent/service/register`, { Name: 'db', Port: 5432, Tags: ['a'] });
  const first = await get(`${agent.baseUrl}/v1/catalog/service/db`);
  const started = Date.now();
  // The same registration again is not a change: the index stays and the watcher keeps waiting.
  await put(`${agent.baseUrl}/v1/agent/service/register`, { Name: 'db', Port: 5432, Tags: ['a'] });
  const timedOut = await get(`${agent.baseUrl}/v1/catalog/service/db?index=${first.index}&wait=300ms`);
  t.is(timedOut.index, first.index);
  t.true(Date.now() - started >= 300);
});

test('X-Consul-Index is never 0, even for a service that never existed, and blocking on it works', async (t) => {
  const agent = await startAgent(t);
  const missing = await get(`${agent.baseUrl}/v1/health/service/not-yet`);
  t.deepEqual(missing.body, []);
  t.true(missing.index >= 1);
  const blocked = get(`${agent.baseUrl}/v1/health/service/not-yet?index=${missing.index}&wait=30s`);
  await put(`${agent.baseUrl}/v1/agent/service/register`, { Name: 'not-yet', Port: 1 });
  const appeared = await blocked;
  t.is((appeared.body as unknown[]).length, 1);
  t.true(appeared.index > missing.index);
});

test('the index of a service never goes backwards when it is deleted', async (t) => {
  const agent = await startAgent(t);
  await put(`${agent.baseUrl}/v1/agent/service/register`, { Name: 'short-lived', Port: 1 });
  const alive = await get(`${agent.baseUrl}/v1/catalog/service/short-lived`);
  await put(`${agent.baseUrl}/v1/agent/service/deregister/short-lived`, {});
  const gone = await get(`${agent.baseUrl}/v1/catalog/service/short-lived`);
  t.deepEqual(gone.body, []);
  t.true(gone.index > alive.index);
});

test('node-consul watch sees each change of a health answer', async (t) => {
  const agent = await startAgent(t);
  const [host, port] = agent.httpAddress.split(':') as [string, string];
  const consul = new Consul({ host, port: Number(port) });
  await consul.agent.service.register({ name: 'api', port: 9000, check: { ttl: '60s' } } as never);
  // node-consul's watch takes the unbound method and calls it on the client itself.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const watch = consul.watch({ method: consul.health.service, options: { service: 'api', passing: true } as never });
  t.teardown(() => watch.end());
  const seen: number[] = [];
  const sawLength = (length: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch never saw ${length} instances; saw ${seen.join(',')}`)), 15_000);
      const onChange = (data: unknown[]): void => {
        seen.push(data.length);
        if (data.length !== length) return;
        clearTimeout(timer);
        watch.removeListener('change', onChange);
        resolve();
      };
      watch.on('change', onChange);
    });
  watch.on('error', (error: Error) => t.fail(error.message));
  await sawLength(0);
  const passing = sawLength(1);
  await consul.agent.check.pass('service:api');
  await passing;
  const failing = sawLength(0);
  await consul.agent.check.fail('service:api');
  await failing;
  t.pass();
});
