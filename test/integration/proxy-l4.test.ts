// Goal: the built-in proxy carries traffic over mesh mTLS end to end, with real processes: a dev
// agent, two apps (web, api), and two `taxiway connect proxy -sidecar-for` processes. web's
// sidecar has an upstream listener for api; api's sidecar accepts only mesh mTLS, authorizes the
// caller against intentions and forwards to the api app. Checks: traffic flows; a deny intention
// blocks new connections within one blocking round and closes open ones; allow again restores it;
// a plain-TCP client and a client with a certificate from another CA are refused; `openssl
// s_client` with a mesh leaf connects and without one is refused; half-close works.
// Method: everything on the agent's own 127.x.y.z; waits have deadlines.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import test, { type ExecutionContext } from 'ava';
import type { DevAgent } from '../helpers/agent-process.js';
import { eventually, freePort, get, type ProxyProcess, startHttpApp, startProxyProcess, devAgentForFile } from '../helpers/mesh.js';

let agent: DevAgent;
const api = devAgentForFile((started) => (agent = started));

function runOpenssl(args: string[], input: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: 15_000 }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), out: stdout + stderr }));
    child.stdin?.end(input);
  });
}

interface Mesh {
  readonly upstreamPort: number;
  readonly apiSidecarPort: number;
  readonly apiProxy: ProxyProcess;
}

async function startMesh(t: ExecutionContext, suffix: string): Promise<Mesh> {
  const host = agent.host;
  const apiApp = await startHttpApp(t, host, `api${suffix}`);
  const apiSidecarPort = await freePort(host);
  const webSidecarPort = await freePort(host);
  const upstreamPort = await freePort(host);
  await api('PUT', '/v1/agent/service/register', { Name: `api${suffix}`, Address: host, Port: apiApp.port, Connect: { SidecarService: { Port: apiSidecarPort, Proxy: { LocalServiceAddress: host } } } });
  await api('PUT', '/v1/agent/service/register', {
    Name: `web${suffix}`,
    Address: host,
    Port: 1,
    Connect: { SidecarService: { Port: webSidecarPort, Proxy: { Upstreams: [{ DestinationName: `api${suffix}`, LocalBindAddress: host, LocalBindPort: upstreamPort }] } } },
  });
  const apiProxy = await startProxyProcess(t, agent, ['-sidecar-for', `api${suffix}`]);
  const web = await startProxyProcess(t, agent, ['-sidecar-for', `web${suffix}`]);
  t.is(web.ports.upstreams[`api${suffix}`], upstreamPort);
  // The api sidecar's TCP check passes once it listens; until then it is not a healthy endpoint.
  await eventually(async () => (await get(host, upstreamPort)).body === `api${suffix} GET /`, 20_000, 'traffic through the mesh');
  return { upstreamPort, apiSidecarPort, apiProxy };
}

test.serial('traffic flows over mTLS; a deny intention blocks it within one round; allow restores it', async (t) => {
  const mesh = await startMesh(t, '');
  const host = agent.host;
  t.is((await get(host, mesh.upstreamPort, '/hello')).body, 'api GET /hello');

  // An open connection, to see it closed when the deny arrives.
  const open = netConnect({ host, port: mesh.upstreamPort });
  await new Promise((resolve) => open.once('connect', resolve));
  const openClosed = new Promise((resolve) => open.once('close', resolve));
  open.on('error', () => undefined);

  await api('PUT', '/v1/connect/intentions/exact?source=web&destination=api', { Action: 'deny' });
  const started = Date.now();
  await eventually(async () => {
    try {
      await get(host, mesh.upstreamPort);
      return false;
    } catch {
      return true;
    }
  }, 10_000, 'deny to take effect');
  t.log(`deny effective after ${Date.now() - started} ms`);
  await openClosed;
  t.pass('the open connection was closed');

  await api('PUT', '/v1/connect/intentions/exact?source=web&destination=api', { Action: 'allow' });
  await eventually(async () => (await get(host, mesh.upstreamPort)).body === 'api GET /', 10_000, 'allow to take effect');
});

test.serial('plain TCP, a foreign CA, and openssl s_client with and without a mesh leaf', async (t) => {
  const mesh = await startMesh(t, '2');
  const host = agent.host;

  // Plain HTTP to the public listener: no answer, the connection is closed.
  await t.throwsAsync(get(host, mesh.apiSidecarPort));

  const dir = await mkdtemp(join(tmpdir(), 'taxiway-proxy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const roots = (await api('GET', '/v1/agent/connect/ca/roots')) as { TrustDomain: string; Roots: { RootCert: string }[] };
  const leaf = (await api('GET', '/v1/agent/connect/ca/leaf/web2')) as { CertPEM: string; PrivateKeyPEM: string };
  await writeFile(join(dir, 'ca.pem'), roots.Roots.map((root) => root.RootCert).join('\n'));
  await writeFile(join(dir, 'leaf.pem'), leaf.CertPEM);
  await writeFile(join(dir, 'key.pem'), leaf.PrivateKeyPEM);

  // A certificate with the right SPIFFE ID from another CA.
  const uri = `spiffe://${roots.TrustDomain}/ns/default/dc/dc1/svc/web2`;
  const made = await runOpenssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=web2', '-addext', `subjectAltName=URI:${uri}`, '-keyout', join(dir, 'rogue-key.pem'), '-out', join(dir, 'rogue.pem')],
    '',
  );
  t.is(made.code, 0, made.out);
  const rogueRefused = await new Promise<boolean>((resolve) => {
    const socket = tlsConnect({ host, port: mesh.apiSidecarPort, cert: readFileSync(join(dir, 'rogue.pem')), key: readFileSync(join(dir, 'rogue-key.pem')), rejectUnauthorized: false });
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('error', () => resolve(true));
    socket.on('close', () => resolve(data === ''));
  });
  t.true(rogueRefused, 'a certificate from another CA gets nothing');

  const request = 'GET /via-openssl HTTP/1.0\r\n\r\n';
  const withLeaf = await runOpenssl(['s_client', '-connect', `${host}:${mesh.apiSidecarPort}`, '-cert', join(dir, 'leaf.pem'), '-key', join(dir, 'key.pem'), '-CAfile', join(dir, 'ca.pem'), '-quiet', '-verify_return_error'], request);
  t.regex(withLeaf.out, /api2 GET \/via-openssl/);
  const withoutLeaf = await runOpenssl(['s_client', '-connect', `${host}:${mesh.apiSidecarPort}`, '-CAfile', join(dir, 'ca.pem'), '-quiet'], request);
  t.notRegex(withoutLeaf.out, /api2 GET/);
  t.regex(withoutLeaf.out, /alert|error/i);
});

test.serial('half-close: the app sees end of request and still answers', async (t) => {
  const mesh = await startMesh(t, '3');
  const socket = netConnect({ host: agent.host, port: mesh.upstreamPort, allowHalfOpen: true });
  await new Promise((resolve) => socket.once('connect', resolve));
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  // HTTP/1.0 request with a body and no length: the server reads it until our FIN.
  socket.end('POST /half HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  await new Promise((resolve) => socket.once('end', resolve));
  t.regex(answer, /api3 POST \/half hello/);
});

test.serial('a CA rotation reaches both proxies without dropping an open connection (last: it changes the CA)', async (t) => {
  // The agent re-issues leaves at a random point up to 30 s after a root change (limits.leafRootChangeJitterMsMax).
  t.timeout(90_000);
  const mesh = await startMesh(t, '4');
  const host = agent.host;
  const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => keepAlive.destroy());
  const viaKeepAlive = (path: string): Promise<{ body: string; reused: boolean }> =>
    new Promise((resolve, reject) => {
      const request = httpRequest({ host, port: mesh.upstreamPort, path, agent: keepAlive }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ body, reused: request.reusedSocket }));
      });
      request.on('error', reject);
      request.end();
    });
  t.is((await viaKeepAlive('/before')).body, 'api4 GET /before');
  const before = (await api('GET', '/v1/agent/connect/ca/leaf/api4')) as { SerialNumber: string };
  await api('PUT', '/v1/connect/ca/configuration', { Provider: 'consul', Config: { PrivateKeyType: 'ec', PrivateKeyBits: 384 } });
  let serial = before.SerialNumber;
  await eventually(async () => (serial = ((await api('GET', '/v1/agent/connect/ca/leaf/api4')) as { SerialNumber: string }).SerialNumber) !== before.SerialNumber, 45_000, 'a new leaf');
  await eventually(() => Promise.resolve(mesh.apiProxy.output().includes(serial)), 10_000, 'the api sidecar to load the new leaf');
  // Both sidecars follow the leaf by blocking query: give them the round to see it.
  await eventually(async () => (await get(host, mesh.upstreamPort, '/fresh')).body === 'api4 GET /fresh', 15_000, 'new connections after the rotation');
  const after = await viaKeepAlive('/after');
  t.deepEqual(after, { body: 'api4 GET /after', reused: true }, 'the connection opened before the rotation still carries requests');
});
