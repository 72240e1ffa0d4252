// Goal: the catalog and health endpoints answer as Consul's do, for the `consul` npm package and
// for raw HTTP. Method: one real dev agent per file; external services are registered through
// /v1/catalog/register as a non-agent client would.

import test from 'ava';
import Consul from 'consul';
import { request } from 'undici';
import { type DevAgent, startAgent } from '../helpers/agent-process.js';

async function setup(t: Parameters<typeof startAgent>[0]): Promise<{ agent: DevAgent; consul: Consul }> {
  const agent = await startAgent(t);
  const [host, port] = agent.httpAddress.split(':') as [string, string];
  const consul = new Consul({ host, port: Number(port) });
  // Two external nodes, each with a db instance; one instance's check is critical.
  for (const [node, address, status, rack] of [['db-1', '10.0.0.1', 'passing', 'r1'], ['db-2', '10.0.0.2', 'critical', 'r2']] as const) {
    await consul.catalog.register({
      node,
      address,
      nodemeta: { rack },
      service: { id: 'db', service: 'db', port: 5432, tags: ['primary', rack] },
      check: { checkid: 'db-alive', name: 'db alive', status, serviceid: 'db' },
    } as never);
  }
  return { agent, consul };
}

test('catalog register makes nodes, services and checks visible everywhere', async (t) => {
  const { consul, agent } = await setup(t);
  const nodes = (await consul.catalog.node.list()) as { Node: string; Address: string; Meta: Record<string, string> }[];
  t.deepEqual(nodes.map((node) => node.Node).filter((name) => name.startsWith('db-')), ['db-1', 'db-2']);
  const db1 = (await consul.catalog.node.services('db-1')) as { Node: { Address: string }; Services: Record<string, { Port: number }> };
  t.is(db1.Node.Address, '10.0.0.1');
  t.is(db1.Services.db?.Port, 5432);
  const instances = (await consul.catalog.service.nodes('db')) as { Node: string; ServiceAddress: string; Address: string }[];
  t.deepEqual(instances.map((instance) => instance.Node), ['db-1', 'db-2']);
  const passing = (await consul.health.service({ service: 'db', passing: true })) as { Node: { Node: string } }[];
  t.deepEqual(passing.map((entry) => entry.Node.Node), ['db-1']);
  const checks = (await consul.health.checks('db')) as { Node: string; Status: string; ServiceName: string }[];
  t.deepEqual(checks.map((check) => [check.Node, check.Status, check.ServiceName]), [['db-1', 'passing', 'db'], ['db-2', 'critical', 'db']]);
  const nodeChecks = (await consul.health.node('db-2')) as { CheckID: string }[];
  t.deepEqual(nodeChecks.map((check) => check.CheckID), ['db-alive']);
  const unknownNode = await request(`${agent.baseUrl}/v1/catalog/node/nope`);
  t.is(unknownNode.statusCode, 200);
  t.is(await unknownNode.body.text(), 'null');
  t.true(Number(unknownNode.headers['x-consul-index']) >= 1);
});

test('tag, node-meta and filter narrow the answers', async (t) => {
  const { consul, agent } = await setup(t);
  const tagged = (await consul.catalog.service.nodes({ service: 'db', tag: 'r2' } as never)) as { Node: string }[];
  t.deepEqual(tagged.map((instance) => instance.Node), ['db-2']);
  const byMeta = (await consul.catalog.node.list({ 'node-meta': ['rack:r1'] } as never)) as { Node: string }[];
  t.deepEqual(byMeta.map((node) => node.Node), ['db-1']);
  const filtered = (await consul.health.service({ service: 'db', filter: 'Node.Meta.rack == r2 and "primary" in Service.Tags' } as never)) as { Node: { Node: string } }[];
  t.deepEqual(filtered.map((entry) => entry.Node.Node), ['db-2']);
  const bothTags = await request(`${agent.baseUrl}/v1/health/service/db?tag=primary&tag=R1`);
  t.deepEqual(((await bothTags.body.json()) as { Node: { Node: string } }[]).map((entry) => entry.Node.Node), ['db-1']);
});

test('deregister removes a check, a service, then a whole node', async (t) => {
  const { consul } = await setup(t);
  await consul.catalog.deregister({ node: 'db-2', checkid: 'db-alive' } as never);
  t.deepEqual(((await consul.health.service({ service: 'db', passing: true })) as unknown[]).length, 2);
  await consul.catalog.deregister({ node: 'db-2', serviceid: 'db' } as never);
  t.deepEqual(((await consul.catalog.service.nodes('db')) as { Node: string }[]).map((instance) => instance.Node), ['db-1']);
  await consul.catalog.deregister('db-1');
  t.deepEqual(await consul.catalog.service.nodes('db'), []);
  t.false(((await consul.catalog.node.list()) as { Node: string }[]).some((node) => node.Node === 'db-1'));
});

test('status, datacenters and the server\'s own registration', async (t) => {
  const { consul, agent } = await setup(t);
  t.is(await consul.status.leader(), `${agent.host}:8300`);
  t.deepEqual(await consul.status.peers(), [`${agent.host}:8300`]);
  t.deepEqual(await consul.catalog.datacenters(), ['dc1']);
  const consulService = (await consul.catalog.service.nodes('consul')) as { ServicePort: number; Address: string }[];
  t.is(consulService[0]?.ServicePort, 8300);
  t.is(consulService[0]?.Address, agent.host);
});

test('connect endpoints list sidecar proxies and native instances for a destination', async (t) => {
  const { consul, agent } = await setup(t);
  // node-consul does not send Kind, so the sidecar goes in over raw HTTP.
  const sidecar = { Name: 'web-sidecar-proxy', Port: 21000, Kind: 'connect-proxy', Proxy: { DestinationServiceName: 'web', LocalServicePort: 8080 } };
  const registered = await request(`${agent.baseUrl}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(sidecar) });
  t.is(registered.statusCode, 200, await registered.body.text());
  await consul.agent.service.register({ name: 'web', id: 'web-native', port: 8443, connect: { native: true } } as never);
  const response = await request(`${agent.baseUrl}/v1/health/connect/web`);
  const entries = (await response.body.json()) as { Service: { ID: string; Kind?: string } }[];
  t.deepEqual(entries.map((entry) => entry.Service.ID).sort(), ['web-native', 'web-sidecar-proxy']);
  const catalog = (await consul.catalog.connect.nodes('web')) as { ServiceKind: string; ServiceID: string }[];
  t.deepEqual(catalog.map((instance) => instance.ServiceID).sort(), ['web-native', 'web-sidecar-proxy']);
});

test('responses carry X-Consul-* headers, ?pretty and gzip', async (t) => {
  const { agent } = await setup(t);
  const response = await request(`${agent.baseUrl}/v1/catalog/nodes?pretty`);
  t.true(Number(response.headers['x-consul-index']) > 0);
  t.is(response.headers['x-consul-knownleader'], 'true');
  t.is(response.headers['x-consul-lastcontact'], '0');
  t.is(response.headers['x-consul-effective-consistency'], 'leader');
  t.is(response.headers['x-consul-default-acl-policy'], 'allow');
  const text = await response.body.text();
  t.true(text.startsWith('[\n    {'));
  t.true(text.endsWith('\n'));
  const stale = await request(`${agent.baseUrl}/v1/catalog/nodes?stale`);
  t.is(stale.headers['x-consul-effective-consistency'], 'stale');
  await stale.body.dump();
  const gzip = await request(`${agent.baseUrl}/v1/agent/self`, { headers: { 'accept-encoding': 'gzip' } });
  t.is(gzip.headers['content-encoding'], 'gzip');
  await gzip.body.dump();
});
