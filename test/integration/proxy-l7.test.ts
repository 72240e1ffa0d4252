// Goal: L7 traffic management end to end with real processes: api declared `protocol = http`
// (service-defaults) with two instances (Meta version v1 and v2, each behind its own sidecar), a
// resolver with subsets by that meta and a 90/10 splitter; web's sidecar routes each request.
// Checks: 1,000 requests split within ±3 % of 90/10; a router match sends a header-marked request
// to v2 only; the web sidecar writes one JSON access-log line per request; a new splitter applies
// without a restart. Method: one dev agent, apps and proxies on its 127.x.y.z, waits with deadlines.

import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import test from 'ava';
import type { DevAgent } from '../helpers/agent-process.js';
import { eventually, freePort, get, startHttpApp, startProxyProcess, devAgentForFile, registerCaller } from '../helpers/mesh.js';

let agent: DevAgent;
const api = devAgentForFile((started) => (agent = started));

test.serial('90/10 split over 1,000 requests, a header route to v2, access logs, live config change', async (t) => {
  t.timeout(120_000);
  const host = agent.host;
  await api('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'api', Protocol: 'http' });
  await api('PUT', '/v1/config', { Kind: 'service-resolver', Name: 'api', Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } } });
  await api('PUT', '/v1/config', { Kind: 'service-splitter', Name: 'api', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] });
  await api('PUT', '/v1/config', { Kind: 'service-router', Name: 'api', Routes: [{ Match: { HTTP: { Header: [{ Name: 'x-canary', Exact: 'yes' }] } }, Destination: { ServiceSubset: 'v2' } }] });
  for (const version of ['v1', 'v2']) {
    const app = await startHttpApp(t, host, version);
    await api('PUT', '/v1/agent/service/register', { ID: `api-${version}`, Name: 'api', Address: host, Port: app.port, Meta: { version }, Connect: { SidecarService: { Port: await freePort(host), Proxy: { LocalServiceAddress: host } } } });
  }
  const upstreamPort = await registerCaller(api, host, 'web', 'api');
  await startProxyProcess(t, agent, ['-sidecar-for', 'api-v1']);
  await startProxyProcess(t, agent, ['-sidecar-for', 'api-v2']);
  const web = await startProxyProcess(t, agent, ['-sidecar-for', 'web']);

  const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  t.teardown(() => keepAlive.destroy());
  const send = (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const request = httpRequest({ host, port: upstreamPort, path, headers, agent: keepAlive }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
  // Both subsets healthy (their sidecars' TCP checks pass) before counting.
  let last: unknown;
  await eventually(async () => ((last = await send('/', { 'x-canary': 'yes' })) as { body: string }).body.startsWith('v2 '), 30_000, 'v2 reachable').catch((error: Error) => {
    throw new Error(`${error.message}; last answer ${JSON.stringify(last)}\n${web.output().slice(-3000)}`);
  });
  await eventually(async () => (await send('/')).body.startsWith('v1 '), 30_000, 'v1 reachable');

  const counts = { v1: 0, v2: 0, other: 0 };
  for (let i = 0; i < 1000; i++) {
    const { body } = await send(`/split/${i}`);
    if (body.startsWith('v1 ')) counts.v1++;
    else if (body.startsWith('v2 ')) counts.v2++;
    else counts.other++;
  }
  t.log(`1,000 requests: ${JSON.stringify(counts)}`);
  t.is(counts.other, 0);
  t.true(counts.v2 >= 70 && counts.v2 <= 130, `v2 share ${counts.v2 / 10} % is 10 % ± 3 %`);
  for (let i = 0; i < 20; i++) t.true((await send('/c', { 'x-canary': 'yes' })).body.startsWith('v2 '));

  await eventually(() => Promise.resolve(web.stdout().includes('"path":"/split/999"')), 5000, 'access log line');
  const line = web.stdout().split('\n').find((text) => text.includes('"path":"/split/999"')) ?? '{}';
  t.like(JSON.parse(line), { upstream: 'api', method: 'GET', status: 200, route: '1', attempts: 1 });

  await api('PUT', '/v1/config', { Kind: 'service-splitter', Name: 'api', Splits: [{ Weight: 100, ServiceSubset: 'v2' }] });
  await eventually(async () => {
    for (let i = 0; i < 20; i++) if (!(await send('/after')).body.startsWith('v2 ')) return false;
    return true;
  }, 10_000, 'the new splitter applied without a restart');
});

test.serial('L7 intentions: permissions answer 403 per request on the destination sidecar', async (t) => {
  const host = agent.host;
  await api('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'shop', Protocol: 'http' });
  await api('PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'shop',
    Sources: [{ Name: 'buyer', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/admin' } }, { Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
  });
  const app = await startHttpApp(t, host, 'shop');
  await api('PUT', '/v1/agent/service/register', { Name: 'shop', Address: host, Port: app.port, Connect: { SidecarService: { Port: await freePort(host), Proxy: { LocalServiceAddress: host } } } });
  const upstreamPort = await registerCaller(api, host, 'buyer', 'shop');
  const shop = await startProxyProcess(t, agent, ['-sidecar-for', 'shop']);
  await startProxyProcess(t, agent, ['-sidecar-for', 'buyer']);
  await eventually(async () => (await get(host, upstreamPort, '/items')).body === 'shop GET /items', 30_000, 'shop reachable');
  const denied = await get(host, upstreamPort, '/admin/users');
  t.is(denied.status, 403);
  t.is(denied.body, 'RBAC: access denied\n');
  t.is((await get(host, upstreamPort, '/items?x=1')).status, 200);
  await eventually(() => Promise.resolve(shop.stdout().includes('"status":403')), 5000, 'the denial in the access log');
});
