// Goal: a service registered through the agent API with Connect.SidecarService brings its
// `<id>-sidecar-proxy` along: it is listed by the agent, found by /v1/health/connect/:svc and by
// DNS `<svc>.connect.consul` (the sidecar's port), and leaves with its parent.
// Method: one real dev agent; registration over HTTP, DNS over UDP with dns-packet.

import { createSocket } from 'node:dgram';
import test from 'ava';
import { decode, encode } from 'dns-packet';
import { type DevAgent, startDevAgent } from '../helpers/agent-process.js';

let agent: DevAgent;

test.before(async () => {
  agent = await startDevAgent();
});
test.after.always(async () => {
  await agent.stop();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${agent.baseUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') === true ? JSON.parse(text) : text };
}

function srv(name: string): Promise<{ port: number; target: string }[]> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no DNS answer'));
    }, 5000);
    socket.on('message', (message) => {
      clearTimeout(timer);
      socket.close();
      const answers = decode(message).answers ?? [];
      resolve(answers.flatMap((answer) => (answer.type === 'SRV' ? [{ port: answer.data.port, target: answer.data.target }] : [])));
    });
    socket.send(encode({ type: 'query', id: 7, flags: 0, questions: [{ type: 'SRV', name }] }), agent.dnsPort, agent.host);
  });
}

test.serial('register with a sidecar, discover it, deregister both', async (t) => {
  const registered = await call('PUT', '/v1/agent/service/register', {
    Name: 'web',
    Port: 8080,
    Connect: { SidecarService: { Proxy: { Upstreams: [{ DestinationName: 'db', LocalBindPort: 9191 }] } } },
  });
  t.is(registered.status, 200, JSON.stringify(registered.body));
  const services = (await call('GET', '/v1/agent/services')).body as Record<string, Record<string, unknown>>;
  t.deepEqual(Object.keys(services), ['web', 'web-sidecar-proxy']);
  const sidecar = services['web-sidecar-proxy'];
  t.like(sidecar, { Kind: 'connect-proxy', Service: 'web-sidecar-proxy', Port: 21000 });
  t.like(sidecar?.Proxy, { DestinationServiceName: 'web', DestinationServiceID: 'web', LocalServiceAddress: '127.0.0.1', LocalServicePort: 8080 });
  t.is(services.web?.Connect !== undefined && 'SidecarService' in (services.web.Connect as object), false, 'the parent keeps no nested definition');

  const checks = (await call('GET', '/v1/agent/checks')).body as Record<string, { Name: string; ServiceID: string }>;
  t.deepEqual(
    Object.values(checks).filter((check) => check.ServiceID === 'web-sidecar-proxy').map((check) => check.Name).sort(),
    ['Connect Sidecar Aliasing web', 'Connect Sidecar Listening'],
  );

  const connect = (await call('GET', '/v1/health/connect/web')).body as { Service: { ID: string; Port: number } }[];
  t.deepEqual(connect.map((entry) => [entry.Service.ID, entry.Service.Port]), [['web-sidecar-proxy', 21000]]);
  // DNS serves only instances that are not critical: the default TCP check has nothing to reach here.
  t.deepEqual(await srv('web.connect.consul'), []);
  const dnsReady = await call('PUT', '/v1/agent/service/register', {
    Name: 'dnsweb',
    Port: 8081,
    Connect: { SidecarService: { Port: 21200, Check: { TTL: '60s', Status: 'passing' } } },
  });
  t.is(dnsReady.status, 200);
  t.deepEqual((await srv('dnsweb.connect.consul')).map((answer) => answer.port), [21200]);

  const again = await call('PUT', '/v1/agent/service/register', { Name: 'api', Port: 9000, Connect: { SidecarService: {} } });
  t.is(again.status, 200);
  const withApi = (await call('GET', '/v1/agent/services')).body as Record<string, { Port: number }>;
  t.is(withApi['api-sidecar-proxy']?.Port, 21001, 'the next free port of the range');

  t.is((await call('PUT', '/v1/agent/service/deregister/web')).status, 200);
  const after = (await call('GET', '/v1/agent/services')).body as Record<string, unknown>;
  t.deepEqual(Object.keys(after), ['api', 'api-sidecar-proxy', 'dnsweb', 'dnsweb-sidecar-proxy']);
  t.deepEqual((await call('GET', '/v1/health/connect/web')).body, []);
});
