// Goal: the L7 proxy's traffic management end to end with real processes (one dev agent; per
// scenario its own services, apps on loopback and `taxiway connect proxy` processes):
//   (a) one instance of two answers 503: RetryOn 5xx moves the request to the healthy one, so the
//       client sees only 200s, and the retries are counted;
//   (b) passive_health_check (from the client's service-defaults UpstreamConfig, the central
//       config merge) ejects the instance that keeps answering 5xx; it gets no traffic while
//       ejected and gets traffic again after base_ejection_time;
//   (c) builtin/fault-injection on the upstream's service-defaults (20 % abort 503, 30 % delay
//       400 ms) lands within 5 binomial standard deviations over 1,000 requests; a route's
//       Destination.FaultInjection aborts its route only;
//   (d) ring_hash by header keeps each user on one instance, a maglev cookie policy with a TTL
//       sets the cookie and sticks to it; least_request sends most requests to
//       the instance that is not holding requests;
//   (e) max_concurrent_requests and max_connections/max_pending_requests answer Envoy's overflow
//       (503, x-envoy-overloaded: true) past their limits, and serve again once requests finish;
//   (f) an instance that leaves the catalog has its connection pool closed.
// Method: waits with deadlines for health and reachability; statistical bounds justified inline.

import { Agent as HttpAgent, createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import test, { type ExecutionContext } from 'ava';
import type { DevAgent } from '../helpers/agent-process.js';
import { eventually, freePort, get, type ProxyProcess, startProxyProcess, devAgentForFile } from '../helpers/mesh.js';

let agent: DevAgent;
const api = devAgentForFile((started) => (agent = started));

interface App {
  readonly name: string;
  /** Status answered from now on. */
  status: number;
  /** Requests received. */
  hits: number;
  /** Paths starting /hang are held until release(). */
  held: ServerResponse[];
  release(): void;
}

async function startApp(t: ExecutionContext, name: string): Promise<App & { port: number }> {
  const app: App = {
    name,
    status: 200,
    hits: 0,
    held: [],
    release: () => {
      for (const response of app.held.splice(0)) response.end(`${name} released`);
    },
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    app.hits++;
    request.resume();
    if (request.url?.startsWith('/hang') === true) {
      app.held.push(response);
      return;
    }
    response.writeHead(app.status).end(`${name} ${request.url}`);
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, agent.host, resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        app.release();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  return Object.assign(app, { port: typeof address === 'object' && address !== null ? address.port : 0 });
}

interface Deployment {
  readonly apps: App[];
  readonly client: ProxyProcess;
  /** The client's upstream port on agent.host. */
  readonly port: number;
}

/** `count` instances of `service` (each app behind its sidecar) and a client `<service>-client` with one upstream. */
async function deploy(t: ExecutionContext, service: string, count: number, upstreamConfig: Record<string, unknown> = {}): Promise<Deployment> {
  const host = agent.host;
  const apps: App[] = [];
  for (let i = 0; i < count; i++) {
    const app = await startApp(t, `${service}-${i}`);
    apps.push(app);
    await api('PUT', '/v1/agent/service/register', { ID: app.name, Name: service, Address: host, Port: app.port, Connect: { SidecarService: { Port: await freePort(host), Proxy: { LocalServiceAddress: host } } } });
    await startProxyProcess(t, agent, ['-sidecar-for', app.name]);
  }
  await eventually(async () => ((await api('GET', `/v1/health/connect/${service}?passing`)) as unknown[]).length === count, 30_000, `${count} ${service} sidecars passing`);
  const port = await freePort(host);
  const clientName = `${service}-client`;
  await api('PUT', '/v1/agent/service/register', {
    Name: clientName,
    Address: host,
    Port: 1,
    Connect: { SidecarService: { Port: await freePort(host), Proxy: { Upstreams: [{ DestinationName: service, LocalBindAddress: host, LocalBindPort: port, Config: upstreamConfig }] } } },
  });
  const client = await startProxyProcess(t, agent, ['-sidecar-for', clientName, '-metrics-addr', `${host}:0`]);
  await eventually(async () => (await get(host, port, '/ready')).status < 500 || apps.some((app) => app.status >= 500), 30_000, `${service} reachable`);
  return { apps, client, port };
}

const httpDefaults = (service: string, extra: Record<string, unknown> = {}): Promise<unknown> => api('PUT', '/v1/config', { Kind: 'service-defaults', Name: service, Protocol: 'http', ...extra });

async function metric(deployment: Deployment, name: string): Promise<number> {
  const text = (await get(agent.host, deployment.client.ports.metrics, '/metrics')).body;
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

test.serial('(a) a 503 instance is retried onto the healthy one: the client sees only 200s', async (t) => {
  t.timeout(90_000);
  await httpDefaults('retrying');
  await api('PUT', '/v1/config', { Kind: 'service-router', Name: 'retrying', Routes: [{ Match: { HTTP: { PathPrefix: '/' } }, Destination: { NumRetries: 3, RetryOn: ['5xx'] } }] });
  const deployment = await deploy(t, 'retrying', 2);
  const bad = deployment.apps[0] as App;
  bad.status = 503;
  const statuses = new Map<number, number>();
  for (let i = 0; i < 100; i++) {
    const { status, body } = await get(agent.host, deployment.port, `/r/${i}`);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status === 200) t.true(body.startsWith('retrying-1 '));
  }
  t.deepEqual([...statuses], [[200, 100]]);
  t.true(bad.hits > 0, 'the failing instance was tried');
  t.true((await metric(deployment, 'taxiway_proxy_retries_total')) >= 1);
});

test.serial('(b) outlier detection ejects the instance that keeps answering 5xx and returns it after the base time', async (t) => {
  t.timeout(90_000);
  await httpDefaults('flaky');
  // Central config: the client's service-defaults carry the passive health check (merged into the upstream's Config).
  await httpDefaults('flaky-client', { UpstreamConfig: { Overrides: [{ Name: 'flaky', PassiveHealthCheck: { MaxFailures: 3, Interval: '1s', BaseEjectionTime: '3s', MaxEjectionPercent: 50 } }] } });
  const deployment = await deploy(t, 'flaky', 2);
  const bad = deployment.apps[0] as App;
  bad.status = 500;
  let served = 0;
  await eventually(async () => {
    served++;
    await get(agent.host, deployment.port, '/o');
    return (await metric(deployment, 'taxiway_proxy_outlier_ejections_total')) >= 1;
  }, 20_000, 'an ejection');
  t.true(served >= 3);
  const hitsAtEjection = bad.hits;
  bad.status = 200; // recovered; still ejected for the base time
  for (let i = 0; i < 20; i++) t.is((await get(agent.host, deployment.port, `/e/${i}`)).status, 200);
  t.is(bad.hits, hitsAtEjection, 'no request reached the ejected instance');
  await eventually(async () => (await get(agent.host, deployment.port, '/back')).body.startsWith('flaky-0 '), 15_000, 'the instance back after base_ejection_time');
  t.true(deployment.client.output().includes('outlier ejected'));
});

test.serial('(c) fault injection: 20 % aborts and 30 % delays within 5 sigma; a route FaultInjection aborts its route only', async (t) => {
  t.timeout(180_000);
  const delayMs = 400;
  await httpDefaults('faulty', { EnvoyExtensions: [{ Name: 'builtin/fault-injection', Arguments: { Config: { Abort: { HttpStatus: 503, Percentage: 20 }, Delay: { Duration: delayMs, Percentage: 30 } } } }] });
  await api('PUT', '/v1/config', {
    Kind: 'service-router',
    Name: 'faulty',
    Routes: [{ Match: { HTTP: { PathPrefix: '/teapot' } }, Destination: { FaultInjection: { Abort: { HttpStatus: 418, Percentage: 100 } } } }],
  });
  const deployment = await deploy(t, 'faulty', 1);
  const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  t.teardown(() => keepAlive.destroy());
  const send = (path: string): Promise<{ status: number; ms: number; fault: boolean }> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const request = httpRequest({ host: agent.host, port: deployment.port, path, agent: keepAlive }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, fault: response.headers['x-taxiway-fault'] === 'abort' }));
      });
      request.on('error', reject);
      request.end();
    });
  const total = 1000;
  const results: { status: number; ms: number; fault: boolean }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) results.push(await send(`/f/${next++}`));
    }),
  );
  const aborted = results.filter((result) => result.status === 503 && result.fault).length;
  // A delayed request takes at least delayMs (a sure lower bound); an undelayed one on loopback
  // takes a few ms, so a latency ≥ delayMs misclassifies only under extreme load.
  const delayed = results.filter((result) => result.ms >= delayMs).length;
  // Each count is Binomial(1000, p): σ = √(1000·p·(1−p)) = 12.6 for p = 0.2 and 14.5 for p = 0.3.
  // ±5σ (±63, ±73) fails a correct proxy with probability < 6e-7 per count: the test does not flake.
  t.log(`1,000 requests: ${aborted} aborted (expected 200 ± 63), ${delayed} delayed (expected 300 ± 73)`);
  t.true(Math.abs(aborted - 200) <= 63, `aborts ${aborted}`);
  t.true(Math.abs(delayed - 300) <= 73, `delays ${delayed}`);
  t.is(results.filter((result) => result.status !== 200 && !(result.status === 503 && result.fault)).length, 0, 'nothing else failed');
  // The upstream-wide faults still come first (20 % answer 503); the route's abort takes the rest.
  const teapot = await Promise.all(Array.from({ length: 30 }, () => send('/teapot/x')));
  t.is(teapot.filter((result) => result.status !== 418 && !(result.status === 503 && result.fault)).length, 0, 'the route never reaches the app');
  t.true(teapot.some((result) => result.status === 418));
});

test.serial('(d) ring_hash by header keeps each user on one instance', async (t) => {
  t.timeout(90_000);
  await httpDefaults('sticky');
  await api('PUT', '/v1/config', { Kind: 'service-resolver', Name: 'sticky', LoadBalancer: { Policy: 'ring_hash', HashPolicies: [{ Field: 'header', FieldValue: 'x-user' }] } });
  const deployment = await deploy(t, 'sticky', 3);
  const owners = new Set<string>();
  for (let user = 0; user < 12; user++) {
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) seen.add((await get(agent.host, deployment.port, `/u/${i}`, { 'x-user': `user-${user}` })).body.split(' ')[0] ?? '');
    t.is(seen.size, 1, `user-${user} saw ${[...seen].join(', ')}`);
    owners.add([...seen][0] ?? '');
  }
  // 12 users on 3 instances all landing on one has probability 3·(1/3)^12 ≈ 6e-6.
  t.true(owners.size >= 2, `users spread over ${owners.size} instances`);

  // A new policy applies live: a cookie with a TTL is generated when absent (Envoy) and sticks.
  await api('PUT', '/v1/config', { Kind: 'service-resolver', Name: 'sticky', LoadBalancer: { Policy: 'maglev', HashPolicies: [{ Field: 'cookie', FieldValue: 'route', CookieConfig: { TTL: '60s', Path: '/' } }] } });
  let setCookie = '';
  await eventually(async () => {
    const header = (await get(agent.host, deployment.port, '/c')).headers['set-cookie'];
    setCookie = (Array.isArray(header) ? header[0] : header) ?? '';
    return setCookie !== '';
  }, 10_000, 'a generated cookie');
  t.regex(setCookie, /^route="[0-9a-f]{8}"; Max-Age=60; Path=\/; HttpOnly$/);
  const cookie = setCookie.split(';')[0] ?? '';
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const answer = await get(agent.host, deployment.port, `/c/${i}`, { cookie });
    t.is(answer.headers['set-cookie'], undefined, 'no new cookie once the client has one');
    seen.add(answer.body.split(' ')[0] ?? '');
  }
  t.is(seen.size, 1);
});

test.serial('(d) least_request prefers the instance holding no requests', async (t) => {
  t.timeout(90_000);
  await httpDefaults('leastreq');
  await api('PUT', '/v1/config', { Kind: 'service-resolver', Name: 'leastreq', LoadBalancer: { Policy: 'least_request' } });
  const deployment = await deploy(t, 'leastreq', 2);
  const [busy, idle] = deployment.apps as [App, App];
  // Park requests on `busy`: a /hang request landing on `idle` is held too, so release those.
  const parked: Promise<unknown>[] = [];
  await eventually(async () => {
    parked.push(get(agent.host, deployment.port, '/hang').catch(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 100));
    idle.release();
    return busy.held.length >= 2;
  }, 20_000, 'two requests held by one instance');
  t.teardown(() => busy.release());
  const before = { busy: busy.hits, idle: idle.hits };
  for (let i = 0; i < 200; i++) t.is((await get(agent.host, deployment.port, `/q/${i}`)).status, 200);
  const toIdle = idle.hits - before.idle;
  // P2C with ChoiceCount 2 over 2 endpoints picks the busy one only when both draws hit it:
  // Binomial(200, 0.75) for the idle one, mean 150, σ 6.1; 120 is ~5σ below it, and round robin
  // would give 100.
  t.log(`idle instance got ${toIdle}/200 requests (expected ~150)`);
  t.true(toIdle >= 120, `idle instance got ${toIdle}/200`);
  busy.release();
  await Promise.all(parked);
});

test.serial('(e) max_concurrent_requests and max_connections overflow with 503 x-envoy-overloaded', async (t) => {
  t.timeout(90_000);
  await httpDefaults('capped');
  await httpDefaults('queued');
  const capped = await deploy(t, 'capped', 1, { limits: { max_concurrent_requests: 2 } });
  const queued = await deploy(t, 'queued', 1, { limits: { max_connections: 1, max_pending_requests: 1 } });
  for (const [deployment, inFlight] of [[capped, 2], [queued, 2]] as const) {
    const app = deployment.apps[0] as App;
    const hanging = Array.from({ length: inFlight }, () => get(agent.host, deployment.port, '/hang'));
    // max_concurrent: both reach the app; max_connections 1: one reaches it, one waits pending.
    await eventually(() => Promise.resolve(app.held.length >= (deployment === capped ? 2 : 1)), 10_000, 'requests in flight');
    // `queued`'s second request waits for the one connection: the pending gauge shows it.
    if (deployment === queued) await eventually(async () => (await metric(deployment, 'taxiway_proxy_pending_requests')) === 1, 10_000, 'one request pending');
    const overflow = await get(agent.host, deployment.port, '/over');
    t.is(overflow.status, 503);
    t.is(overflow.headers['x-envoy-overloaded'], 'true');
    t.regex(overflow.body, /overflow/);
    t.is(await metric(deployment, 'taxiway_proxy_circuit_overflows_total'), 1);
    // Release until every held or pending request finished; then the upstream serves again.
    const done = Promise.all(hanging);
    await eventually(async () => {
      app.release();
      return (await Promise.race([done.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100))]));
    }, 10_000, 'held requests answered');
    t.true((await done).every((result) => result.status === 200));
    t.is((await get(agent.host, deployment.port, '/after')).status, 200);
  }
});

test.serial('(g) central config changed while the proxy runs applies without a restart: a fault extension added, then removed', async (t) => {
  t.timeout(90_000);
  await httpDefaults('live');
  const deployment = await deploy(t, 'live', 1);
  t.is((await get(agent.host, deployment.port, '/before')).status, 200);
  await httpDefaults('live', { EnvoyExtensions: [{ Name: 'builtin/fault-injection', Arguments: { Config: { Abort: { HttpStatus: 429, Percentage: 100 } } } }] });
  await eventually(async () => (await get(agent.host, deployment.port, '/during')).status === 429, 20_000, 'the new fault extension in force');
  // The entry written again without the extension.
  await httpDefaults('live');
  await eventually(async () => (await get(agent.host, deployment.port, '/after')).status === 200, 20_000, 'the extension gone');
  t.true(deployment.client.output().includes('upstream config changed'), 'the proxy said so');
});

test.serial('(h) a protocol change switches both sidecars while they run: tcp → http (L7 routing and L7 intentions) → tcp', async (t) => {
  t.timeout(90_000);
  const deployment = await deploy(t, 'switching', 1);
  t.is((await get(agent.host, deployment.port, '/as-tcp')).status, 200);
  await httpDefaults('switching');
  // L7 is in force once a request gets its access-log line (L4 writes none).
  await eventually(async () => (await get(agent.host, deployment.port, '/as-http')).status === 200 && deployment.client.stdout().includes('"path":"/as-http"'), 20_000, 'the L7 listener on the same port');
  // The destination's public listener switched too: an L7 intention is enforced per request there.
  await api('PUT', '/v1/config', { Kind: 'service-intentions', Name: 'switching', Sources: [{ Name: 'switching-client', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/secret' } }, { Action: 'allow', HTTP: { PathPrefix: '/' } }] }] });
  await eventually(async () => {
    const answer = await get(agent.host, deployment.port, '/secret');
    return answer.status === 403 && answer.body.includes('RBAC: access denied');
  }, 20_000, 'the L7 intention enforced by the destination sidecar');
  t.is((await get(agent.host, deployment.port, '/open')).status, 200);
  await api('DELETE', '/v1/config/service-intentions/switching');
  await api('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'switching', Protocol: 'tcp' });
  const switches = (): number => deployment.client.output().split('upstream protocol changed').length - 1;
  await eventually(() => Promise.resolve(switches() === 2), 20_000, 'the switch back to L4');
  await eventually(async () => (await get(agent.host, deployment.port, '/as-tcp-again')).status === 200, 20_000, 'L4 on the same port');
  t.false(deployment.client.stdout().includes('"path":"/as-tcp-again"'), 'no access log: L4');
});

test.serial('(f) the pool of an instance that leaves is closed', async (t) => {
  t.timeout(90_000);
  await httpDefaults('leaving');
  const deployment = await deploy(t, 'leaving', 2);
  await eventually(async () => {
    await get(agent.host, deployment.port, '/warm');
    return deployment.apps.every((app) => app.hits > 0);
  }, 20_000, 'both instances used');
  const gone = deployment.apps[0] as App;
  await api('PUT', `/v1/agent/service/deregister/${gone.name}-sidecar-proxy`);
  await api('PUT', `/v1/agent/service/deregister/${gone.name}`);
  await eventually(() => Promise.resolve(/upstream pool closed/.test(deployment.client.output())), 15_000, 'the pool closed');
  const hits = gone.hits;
  for (let i = 0; i < 10; i++) t.true((await get(agent.host, deployment.port, `/after/${i}`)).body.startsWith('leaving-1 '));
  t.is(gone.hits, hits);
});
