// Goal: config entries, intentions and authorize on a real dev agent, as Consul clients use them:
// PUT/GET/DELETE /v1/config with ?cas and Consul's 404 and validation answers, blocking GET on one
// entry, /v1/discovery-chain (GET, POST overrides, graph errors refusing writes), the legacy ID API and the exact API stored as one
// service-intentions entry, /match and /check, /v1/agent/connect/authorize (trust domain, L4
// match, default), and the `config` and `intention` CLI commands (HCL file in, Consul's lines out).
// Method: one dev agent process on its own loopback address; raw HTTP with fetch; the CLI spawned.

import { join } from 'node:path';
import test from 'ava';
import { type DevAgent, runCli, startDevAgent, writeTempFiles } from '../helpers/agent-process.js';

let agent: DevAgent | undefined;

test.before(async () => {
  agent = await startDevAgent();
});
test.after.always(async () => {
  await agent?.stop();
});

function base(): string {
  if (agent === undefined) throw new Error('agent not started');
  return agent.baseUrl;
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; index: number; body: unknown; text: string }> {
  const response = await fetch(`${base()}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain-text error answers stay text
  }
  return { status: response.status, index: Number(response.headers.get('x-consul-index')), body: parsed, text };
}

const cli = (args: readonly string[]) => runCli(args, { env: { CONSUL_HTTP_ADDR: agent?.httpAddress ?? '' } });

test.serial('config entries: put, get, list, cas, validation, 404, delete', async (t) => {
  t.deepEqual((await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'web', protocol: 'HTTP' })).body, true);
  const got = await call('GET', '/v1/config/service-defaults/web');
  t.is(got.status, 200);
  const entry = got.body as { Protocol: string; ModifyIndex: number };
  t.is(entry.Protocol, 'http');
  t.deepEqual((await call('PUT', '/v1/config?cas=0', { Kind: 'service-defaults', Name: 'web' })).body, false);
  t.deepEqual((await call('PUT', `/v1/config?cas=${entry.ModifyIndex}`, { Kind: 'service-defaults', Name: 'web', Protocol: 'http' })).body, true);
  const list = await call('GET', '/v1/config/service-defaults');
  t.deepEqual((list.body as { Name: string }[]).map((item) => item.Name), ['web']);
  const bad = await call('PUT', '/v1/config', { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 70 }, { Weight: 10, ServiceSubset: 'v2' }] });
  t.is(bad.status, 400);
  t.is(bad.text, 'the sum of all split weights must be 100, not 80.000000');
  const tcpRouter = await call('PUT', '/v1/config', { Kind: 'service-router', Name: 'api', Routes: [] });
  t.is(tcpRouter.status, 500);
  t.regex(tcpRouter.text, /uses a protocol "tcp" that does not permit advanced routing or splitting behavior/);
  const missing = await call('GET', '/v1/config/service-defaults/nope');
  t.is(missing.status, 404);
  t.is(missing.text, 'Config entry not found for "service-defaults" / "nope"');
  t.is((await call('GET', '/v1/config/bogus')).status, 400);
  t.deepEqual((await call('DELETE', '/v1/config/service-defaults/web?cas=1')).body, false);
  t.deepEqual((await call('DELETE', '/v1/config/service-defaults/web')).body, {});
  t.is((await call('GET', '/v1/config/service-defaults/web')).status, 404);
});

test.serial('a blocking GET on one entry wakes on its change', async (t) => {
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'blocky', Protocol: 'http' });
  const first = await call('GET', '/v1/config/service-defaults/blocky');
  const waiting = call('GET', `/v1/config/service-defaults/blocky?index=${first.index}&wait=5s`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'blocky', Protocol: 'grpc' });
  const woke = await waiting;
  t.true(woke.index > first.index);
  t.is((woke.body as { Protocol: string }).Protocol, 'grpc');
});

test.serial('discovery chain: default, then router → splitter → resolver', async (t) => {
  const plain = (await call('GET', '/v1/discovery-chain/billing')).body as { Chain: { Default: boolean; StartNode: string; Protocol: string } };
  t.deepEqual([plain.Chain.Default, plain.Chain.StartNode, plain.Chain.Protocol], [true, 'resolver:billing.default.default.dc1', 'tcp']);
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'shop', Protocol: 'http' });
  await call('PUT', '/v1/config', { Kind: 'service-resolver', Name: 'shop', Subsets: { v1: { Filter: 'Service.Meta.v == 1' }, v2: { Filter: 'Service.Meta.v == 2' } } });
  t.deepEqual((await call('PUT', '/v1/config', { Kind: 'service-splitter', Name: 'shop', Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 50, ServiceSubset: 'v2' }] })).body, true);
  t.deepEqual((await call('PUT', '/v1/config', { Kind: 'service-router', Name: 'shop', Routes: [{ Match: { HTTP: { PathPrefix: '/beta' } }, Destination: { ServiceSubset: 'v2' } }] })).body, true);
  const chain = ((await call('GET', '/v1/discovery-chain/shop')).body as { Chain: { StartNode: string; Nodes: Record<string, { Routes?: { NextNode: string }[] }> } }).Chain;
  t.is(chain.StartNode, 'router:shop.default.default');
  t.deepEqual(chain.Nodes['router:shop.default.default']?.Routes?.map((route) => route.NextNode), ['resolver:v2.shop.default.default.dc1', 'splitter:shop.default.default']);
});

test.serial('discovery chain: POST overrides, compile-dc, a redirect loop refused', async (t) => {
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'cart', Protocol: 'http' });
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'cart-v2', Protocol: 'http' });
  t.deepEqual((await call('PUT', '/v1/config', { Kind: 'service-splitter', Name: 'cart', Splits: [{ Weight: 100, Service: 'cart-v2' }] })).body, true);
  type Chain = { Chain: { StartNode: string; Protocol: string; CustomizationHash?: string; Datacenter: string; Targets: Record<string, { ConnectTimeout: string; MeshGateway: { Mode?: string } }> } };
  const tcp = (await call('POST', '/v1/discovery-chain/cart', { OverrideProtocol: 'tcp', OverrideConnectTimeout: '9s', OverrideMeshGateway: { Mode: 'local' } })).body as Chain;
  t.is(tcp.Chain.StartNode, 'resolver:cart.default.default.dc1');
  t.is(tcp.Chain.Protocol, 'tcp');
  t.regex(tcp.Chain.CustomizationHash ?? '', /^[0-9a-f]{8}$/);
  t.deepEqual(tcp.Chain.Targets['cart.default.default.dc1'], { ...tcp.Chain.Targets['cart.default.default.dc1'], ConnectTimeout: '9s', MeshGateway: { Mode: 'local' } });
  const snake = (await call('POST', '/v1/discovery-chain/cart?compile-dc=dc7', { override_connect_timeout: 3_000_000_000 })).body as Chain;
  t.is(snake.Chain.Datacenter, 'dc7');
  t.is(snake.Chain.StartNode, 'splitter:cart.default.default');
  t.is(snake.Chain.Targets['cart-v2.default.default.dc7']?.ConnectTimeout, '3s');
  const bad = await call('POST', '/v1/discovery-chain/cart', { OverrideMeshGateway: { Mode: 'sideways' } });
  t.deepEqual([bad.status, bad.text], [400, 'Invalid OverrideMeshGateway.Mode parameter']);
  t.deepEqual((await call('PUT', '/v1/config', { Kind: 'service-resolver', Name: 'loop-a', Redirect: { Service: 'loop-b' } })).body, true);
  const loop = await call('PUT', '/v1/config', { Kind: 'service-resolver', Name: 'loop-b', Redirect: { Service: 'loop-a' } });
  t.is(loop.status, 500);
  t.is(loop.text, 'detected circular resolver redirect: [loop-b.default.default.dc1 -> loop-a.default.default.dc1 -> loop-b.default.default.dc1]');
  const stranded = await call('DELETE', '/v1/config/service-defaults/cart-v2');
  t.is(stranded.status, 500);
  t.is(stranded.text, 'discovery chain "cart" uses a protocol "tcp" that does not permit advanced routing or splitting behavior');
});

interface Intention {
  ID: string;
  SourceName: string;
  DestinationName: string;
  Action: string;
  Precedence: number;
  Meta: Record<string, string>;
}

test.serial('intentions: legacy ID CRUD and exact API share one service-intentions entry; match and check', async (t) => {
  const created = await call('POST', '/v1/connect/intentions', { SourceName: 'web', DestinationName: 'db', Action: 'deny', Meta: { team: 'a' } });
  t.is(created.status, 200);
  const id = (created.body as { ID: string }).ID;
  t.regex(id, /^[0-9a-f-]{36}$/);
  t.is((await call('POST', '/v1/connect/intentions', { SourceName: 'web', DestinationName: 'db', Action: 'allow' })).status, 400, 'duplicate');
  t.deepEqual((await call('PUT', '/v1/connect/intentions/exact?source=*&destination=db', { Action: 'allow' })).body, true);
  const one = (await call('GET', `/v1/connect/intentions/${id}`)).body as Intention;
  t.deepEqual([one.SourceName, one.DestinationName, one.Action, one.Precedence, one.Meta], ['web', 'db', 'deny', 9, { team: 'a' }]);
  const stored = (await call('GET', '/v1/config/service-intentions/db')).body as { Sources: { Name: string; LegacyID?: string }[] };
  t.deepEqual(stored.Sources.map((source) => [source.Name, source.LegacyID]), [['web', id], ['*', undefined]]);
  const matched = (await call('GET', '/v1/connect/intentions/match?by=destination&name=db')).body as Record<string, Intention[]>;
  t.deepEqual(matched.db?.map((item) => `${item.SourceName}:${item.Precedence}`), ['web:9', '*:8']);
  t.deepEqual((await call('GET', '/v1/connect/intentions/check?source=web&destination=db')).body, { Allowed: false });
  t.deepEqual((await call('GET', '/v1/connect/intentions/check?source=api&destination=db')).body, { Allowed: true });
  t.is((await call('GET', '/v1/connect/intentions/check?source=api')).text, "required query parameter 'destination' not set");
  t.is((await call('PUT', `/v1/connect/intentions/${id}`, { SourceName: 'web', DestinationName: 'db', Action: 'allow' })).status, 200);
  t.deepEqual((await call('GET', '/v1/connect/intentions/check?source=web&destination=db')).body, { Allowed: true });
  t.deepEqual((await call('DELETE', `/v1/connect/intentions/${id}`)).body, true);
  t.is((await call('GET', `/v1/connect/intentions/${id}`)).status, 404);
  const exact = (await call('GET', '/v1/connect/intentions/exact?source=*&destination=db')).body as Intention;
  t.is(exact.Action, 'allow');
  t.deepEqual((await call('DELETE', '/v1/connect/intentions/exact?source=*&destination=db')).body, true);
  t.is((await call('GET', '/v1/config/service-intentions/db')).status, 404, 'the last source gone, the entry is gone');
});

test.serial('authorize: trust domain, the deciding intention, the default', async (t) => {
  const trustDomain = ((await call('GET', '/v1/connect/ca/roots')).body as { TrustDomain: string }).TrustDomain;
  await call('PUT', '/v1/connect/intentions/exact?source=web&destination=pay', { Action: 'deny' });
  const uri = (service: string, domain = trustDomain) => `spiffe://${domain}/ns/default/dc/dc1/svc/${service}`;
  const denied = (await call('POST', '/v1/agent/connect/authorize', { Target: 'pay', ClientCertURI: uri('web') })).body as { Authorized: boolean; Reason: string };
  t.false(denied.Authorized);
  t.regex(denied.Reason, /^Matched L4 intention: default\/web => default\/pay \(Precedence: 9, Action: DENY\)$/);
  t.deepEqual((await call('POST', '/v1/agent/connect/authorize', { Target: 'pay', ClientCertURI: uri('api') })).body, { Authorized: true, Reason: 'Default behavior configured by ACLs' });
  t.deepEqual((await call('POST', '/v1/agent/connect/authorize', { Target: 'pay', ClientCertURI: uri('api', 'other.consul') })).body, {
    Authorized: false,
    Reason: 'Identity from an external trust domain: other.consul',
  });
  const notService = await call('POST', '/v1/agent/connect/authorize', { Target: 'pay', ClientCertURI: `spiffe://${trustDomain}/agent/client/dc/dc1/id/x` });
  t.deepEqual([notService.status, notService.text], [400, 'ClientCertURI not a valid Service identifier']);
  t.is((await call('POST', '/v1/agent/connect/authorize', { ClientCertURI: uri('api') })).text, 'Target service must be specified');
});

test.serial('CLI: config write (HCL) / read / list / delete; intention create / get / list / match / check / delete', async (t) => {
  const files = await writeTempFiles({
    'ixn.hcl': 'Kind = "service-intentions"\nName = "inventory"\nSources = [\n  { Name = "web", Action = "allow" },\n  { Name = "*", Action = "deny" }\n]\n',
    'bad.json': JSON.stringify({ Kind: 'service-splitter', Name: 'inventory', Splits: [{ Weight: 99 }] }),
  });
  t.teardown(files.remove);
  t.is((await cli(['config', 'write', join(files.dir, 'ixn.hcl')])).stdout, 'Config entry written: service-intentions/inventory\n');
  const bad = await cli(['config', 'write', join(files.dir, 'bad.json')]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /Error writing config entry service-splitter\/inventory: .*the sum of all split weights must be 100, not 99\.000000/);
  const read = JSON.parse((await cli(['config', 'read', '-kind', 'service-intentions', '-name', 'inventory'])).stdout) as { Sources: unknown[] };
  t.deepEqual(read.Sources, [{ Action: 'allow', Name: 'web', Type: 'consul' }, { Action: 'deny', Name: '*', Type: 'consul' }]);
  t.true((await cli(['config', 'list', '-kind', 'service-intentions'])).stdout.split('\n').includes('inventory'));
  t.is((await cli(['intention', 'create', '-deny', 'api', 'inventory'])).stdout, 'Created: api => inventory (deny)\n');
  t.is((await cli(['intention', 'create', 'api', 'inventory'])).code, 1, 'exists without -replace');
  t.deepEqual((await cli(['intention', 'match', 'inventory'])).stdout.split('\n').filter(Boolean), ['api => inventory (deny)', 'web => inventory (allow)', '* => inventory (deny)']);
  const check = await cli(['intention', 'check', 'web', 'inventory']);
  t.deepEqual([check.code, check.stdout], [0, 'Allowed\n']);
  const denied = await cli(['intention', 'check', 'other', 'inventory']);
  t.deepEqual([denied.code, denied.stdout], [2, 'Denied\n']);
  t.regex((await cli(['intention', 'get', 'web', 'inventory'])).stdout, /Source:\s+web\nDestination:\s+inventory\nAction:\s+allow/);
  t.regex((await cli(['intention', 'list'])).stdout, /Source\s+Action\s+Destination\s+Precedence/);
  t.is((await cli(['intention', 'delete', 'api', 'inventory'])).stdout, 'Intention deleted.\n');
  t.is((await cli(['config', 'delete', '-kind', 'service-intentions', '-name', 'inventory'])).stdout, 'Config entry deleted: service-intentions/inventory\n');
});
