// Goal: a user of the `consul` npm package can manage services and checks on a taxiway agent and
// see them in the catalog. Method: one real dev agent process per file, driven only through the
// third-party client (and raw HTTP where the client has no call).

import test from 'ava';
import Consul from 'consul';
import { request } from 'undici';
import { startAgent } from '../helpers/agent-process.js';

async function setup(t: Parameters<typeof startAgent>[0]) {
  const agent = await startAgent(t);
  const [host, port] = agent.httpAddress.split(':') as [string, string];
  return { agent, consul: new Consul({ host, port: Number(port) }) };
}

test('agent self reports the datacenter, node name and server role', async (t) => {
  const { consul } = await setup(t);
  const self = (await consul.agent.self()) as { Config: Record<string, unknown>; Member: Record<string, unknown>; Stats: Record<string, unknown> };
  t.is(self.Config.Datacenter, 'dc1');
  t.is(typeof self.Config.NodeName, 'string');
  t.is(self.Config.Server, true);
  t.is(self.Member.Status, 1);
  t.truthy(self.Stats.consul);
});

test('a registered service appears on the agent, in the catalog and in health, and leaves with deregister', async (t) => {
  const { consul } = await setup(t);
  await consul.agent.service.register({ name: 'web', id: 'web-1', port: 8080, tags: ['v1', 'primary'], meta: { version: '1' }, check: { ttl: '30s' } } as never);
  const services = (await consul.agent.service.list()) as Record<string, Record<string, unknown>>;
  t.deepEqual(services['web-1']?.Tags, ['v1', 'primary']);
  t.is(services['web-1']?.Datacenter, 'dc1');

  const nodes = (await consul.catalog.service.nodes('web')) as Record<string, unknown>[];
  t.is(nodes.length, 1);
  t.is(nodes[0]?.ServiceID, 'web-1');
  t.is(nodes[0]?.ServicePort, 8080);
  t.deepEqual(nodes[0]?.ServiceMeta, { version: '1' });

  const catalogServices = (await consul.catalog.service.list()) as Record<string, string[]>;
  t.deepEqual(catalogServices.web, ['v1', 'primary']);
  t.deepEqual(catalogServices.consul, []);

  // The TTL check starts critical, so ?passing hides the instance until the check passes.
  t.deepEqual(await consul.health.service({ service: 'web', passing: true }), []);
  await consul.agent.check.pass({ id: 'service:web-1', note: 'all good' });
  const healthy = (await consul.health.service({ service: 'web', passing: true })) as { Checks: { CheckID: string; Status: string; Output: string }[] }[];
  t.is(healthy.length, 1);
  const ttl = healthy[0]?.Checks.find((check) => check.CheckID === 'service:web-1');
  t.is(ttl?.Status, 'passing');
  t.is(ttl?.Output, 'all good');
  t.true(healthy[0]?.Checks.some((check) => check.CheckID === 'serfHealth'));

  await consul.agent.service.deregister('web-1');
  t.deepEqual(await consul.catalog.service.nodes('web'), []);
  t.deepEqual(await consul.agent.check.list(), {});
});

test('checks registered on their own: register, warn, fail, update, deregister', async (t) => {
  const { agent, consul } = await setup(t);
  await consul.agent.check.register({ name: 'disk', ttl: '1m', notes: 'root fs' } as never);
  let checks = (await consul.agent.check.list()) as unknown as Record<string, Record<string, unknown>>;
  t.is(checks.disk?.Status, 'critical');
  t.is(checks.disk?.Type, 'ttl');
  await consul.agent.check.warn({ id: 'disk', note: '85% full' });
  checks = (await consul.agent.check.list()) as unknown as Record<string, Record<string, unknown>>;
  t.is(checks.disk?.Status, 'warning');
  const update = await request(`${agent.baseUrl}/v1/agent/check/update/disk`, { method: 'PUT', body: JSON.stringify({ Status: 'passing', Output: 'ok now' }) });
  t.is(update.statusCode, 200);
  t.is(await update.body.text(), '');
  const state = (await consul.health.state('passing')) as { CheckID: string; Output: string }[];
  t.true(state.some((check) => check.CheckID === 'disk' && check.Output === 'ok now'));
  await consul.agent.check.fail({ id: 'disk' });
  t.true(((await consul.health.state('critical')) as { CheckID: string }[]).some((check) => check.CheckID === 'disk'));
  await consul.agent.check.deregister('disk');
  t.false(((await consul.health.state('any')) as { CheckID: string }[]).some((check) => check.CheckID === 'disk'));
});

test('node and service maintenance add critical checks and remove them again', async (t) => {
  const { agent, consul } = await setup(t);
  await consul.agent.service.register({ name: 'api', port: 9000 });
  await consul.agent.maintenance({ enable: true, reason: 'kernel upgrade' });
  let checks = (await consul.agent.check.list()) as unknown as Record<string, { Status: string; Notes: string }>;
  t.is(checks._node_maintenance?.Status, 'critical');
  t.is(checks._node_maintenance?.Notes, 'kernel upgrade');
  t.deepEqual(await consul.health.service({ service: 'api', passing: true }), []);
  await consul.agent.maintenance({ enable: false });
  t.is(((await consul.health.service({ service: 'api', passing: true })) as unknown[]).length, 1);

  const enable = await request(`${agent.baseUrl}/v1/agent/service/maintenance/api?enable=true`, { method: 'PUT' });
  t.is(enable.statusCode, 200);
  await enable.body.dump();
  checks = (await consul.agent.check.list());
  t.regex(checks['_service_maintenance:api']?.Notes ?? '', /no reason was provided/);
  const byId = await request(`${agent.baseUrl}/v1/agent/health/service/id/api`);
  t.is(byId.statusCode, 503);
  t.is(((await byId.body.json()) as { AggregatedStatus: string }).AggregatedStatus, 'maintenance');
  await (await request(`${agent.baseUrl}/v1/agent/service/maintenance/api?enable=false`, { method: 'PUT' })).body.dump();
  const text = await request(`${agent.baseUrl}/v1/agent/health/service/name/api?format=text`);
  t.is(text.statusCode, 200);
  t.is(await text.body.text(), 'passing');
});

test('/v1/agent/service/:id blocks on its content hash until the service changes', async (t) => {
  const { agent, consul } = await setup(t);
  await consul.agent.service.register({ name: 'cache', port: 6379 });
  const first = await request(`${agent.baseUrl}/v1/agent/service/cache`);
  const hash = first.headers['x-consul-contenthash'] as string;
  t.is(((await first.body.json()) as { ContentHash: string }).ContentHash, hash);
  const started = Date.now();
  const blocked = request(`${agent.baseUrl}/v1/agent/service/cache?hash=${hash}&wait=30s`);
  // Re-registering with a new port changes the content; the blocked read returns with it.
  setTimeout(() => void consul.agent.service.register({ name: 'cache', port: 6380 }), 200);
  const second = await blocked;
  const body = (await second.body.json()) as { Port: number; ContentHash: string };
  t.is(body.Port, 6380);
  t.not(body.ContentHash, hash);
  t.true(Date.now() - started < 30_000);
});

test('SIGTERM stops the agent cleanly', async (t) => {
  const { agent } = await setup(t);
  t.is(await agent.stop('SIGTERM'), 0, agent.output());
});
