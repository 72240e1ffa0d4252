// Goal: the L7 proxy carries WebSocket upgrades (protocol http) and HTTP/2 (protocol http2)
// end to end through two built-in sidecars. Checks: a WebSocket echo both ways, routed by a
// service-router path match, with the upgrade request's trace headers and a request ID at the
// app, and an L7 deny intention refusing the upgrade with 403; an h2c client (prior knowledge)
// gets answers with bodies and trailers through an http2 upstream, and an HTTP/1.1 client on the
// same port too, trace headers and x-request-id reaching the app. Method: one dev agent, `ws`
// and node:http2 apps and clients, `taxiway connect proxy` processes; waits with deadlines.

import { createServer as createHttpServer } from 'node:http';
import { connect as h2Connect, createServer as createH2Server, type IncomingHttpHeaders } from 'node:http2';
import test, { type ExecutionContext } from 'ava';
import WebSocket, { WebSocketServer } from 'ws';
import type { DevAgent } from '../helpers/agent-process.js';
import { eventually, freePort, get, startProxyProcess, devAgentForFile, registerCaller, sampleTraceHeaders } from '../helpers/mesh.js';

let agent: DevAgent;
const api = devAgentForFile((started) => (agent = started));

const trace = sampleTraceHeaders;

/** A WebSocket echo app (`<name>: <message>`) that keeps each upgrade request's headers. */
async function startWsApp(t: ExecutionContext, host: string, name: string): Promise<{ port: number; upgrades: IncomingHttpHeaders[]; plain: IncomingHttpHeaders[] }> {
  const plain: IncomingHttpHeaders[] = [];
  const server = createHttpServer((request, response) => {
    plain.push(request.headers);
    response.end(`${name} plain`);
  });
  const wss = new WebSocketServer({ server });
  const upgrades: IncomingHttpHeaders[] = [];
  wss.on('connection', (socket, request) => {
    upgrades.push(request.headers);
    socket.on('message', (data: Buffer) => socket.send(`${name}: ${data.toString('utf8')}`));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.teardown(() => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, upgrades, plain };
}

/** Opens a WebSocket; resolves once open, or rejects with the HTTP status of a refused upgrade. */
function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`status ${response.statusCode ?? 0}`)));
    socket.once('error', reject);
  });
}

function exchange(socket: WebSocket, message: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('message', (data: Buffer) => resolve(data.toString('utf8')));
    socket.send(message);
  });
}

test.serial('WebSocket echo through two sidecars: routed, traced, an L7 deny refuses the upgrade', async (t) => {
  t.timeout(90_000);
  const host = agent.host;
  await api('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'chat', Protocol: 'http' });
  await api('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'chat-next', Protocol: 'http' });
  await api('PUT', '/v1/config', { Kind: 'service-router', Name: 'chat', Routes: [{ Match: { HTTP: { PathPrefix: '/next' } }, Destination: { Service: 'chat-next' } }] });
  await api('PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'chat',
    Sources: [{ Name: 'room', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/admin' } }, { Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
  });
  await api('PUT', '/v1/config', { Kind: 'service-intentions', Name: 'chat-next', Sources: [{ Name: 'room', Action: 'allow' }] });
  const chat = await startWsApp(t, host, 'chat');
  const next = await startWsApp(t, host, 'next');
  for (const [name, app] of [['chat', chat], ['chat-next', next]] as const) {
    await api('PUT', '/v1/agent/service/register', { Name: name, Address: host, Port: app.port, Connect: { SidecarService: { Port: await freePort(host), Proxy: { LocalServiceAddress: host } } } });
  }
  const upstreamPort = await registerCaller(api, host, 'room', 'chat');
  await startProxyProcess(t, agent, ['-sidecar-for', 'chat']);
  await startProxyProcess(t, agent, ['-sidecar-for', 'chat-next']);
  const room = await startProxyProcess(t, agent, ['-sidecar-for', 'room']);
  const base = `ws://${host}:${upstreamPort}`;
  let last: unknown;
  await eventually(async () => ((last = await get(host, upstreamPort, '/')).body === 'chat plain'), 30_000, 'chat reachable').catch((error: Error) => {
    throw new Error(`${error.message}; last ${JSON.stringify(last)}\n${room.output().slice(-3000)}`);
  });
  await eventually(async () => (await get(host, upstreamPort, '/next')).body === 'next plain', 30_000, 'chat-next reachable');

  const socket = await openWs(`${base}/live`, trace);
  t.teardown(() => socket.terminate());
  for (let i = 0; i < 5; i++) t.is(await exchange(socket, `hello ${i}`), `chat: hello ${i}`);
  const big = 'x'.repeat(256 * 1024);
  t.is(await exchange(socket, big), `chat: ${big}`);
  t.like(chat.upgrades[0], { ...trace, upgrade: 'websocket' });
  t.regex(String(chat.upgrades[0]?.['x-request-id']), /^[0-9a-f-]{36}$/);

  const routed = await openWs(`${base}/next/room`, { 'x-request-id': 'ws-7' });
  t.teardown(() => routed.terminate());
  t.is(await exchange(routed, 'hi'), 'next: hi');
  t.is(next.upgrades[0]?.['x-request-id'], 'ws-7');

  await t.throwsAsync(openWs(`${base}/admin/live`), { message: 'status 403' });

  // Plain HTTP/1.1 requests on the same path carry the same headers.
  await get(host, upstreamPort, '/traced', { ...trace, 'x-request-id': 'plain-1' });
  t.like(chat.plain.at(-1), { ...trace, 'x-request-id': 'plain-1' });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.close(1000);
  t.is(await closed, 1000);
  await eventually(() => Promise.resolve(room.stdout().includes('"status":101')), 5000, 'the upgrade in the access log');
});

test.serial('HTTP/2: an h2c client and an HTTP/1.1 client through an http2 upstream; trailers and trace headers', async (t) => {
  t.timeout(90_000);
  const host = agent.host;
  await api('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'files', Protocol: 'http2' });
  const seen: IncomingHttpHeaders[] = [];
  const app = createH2Server();
  app.on('stream', (stream, headers) => {
    seen.push(headers);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'x-checksum': String(Buffer.concat(chunks).length) }));
      stream.end(`files ${String(headers[':method'])} ${String(headers[':path'])} ${Buffer.concat(chunks).length}`);
    });
  });
  await new Promise<void>((resolve) => app.listen(0, host, resolve));
  t.teardown(() => new Promise<void>((resolve) => app.close(() => resolve())));
  const address = app.address();
  const appPort = typeof address === 'object' && address !== null ? address.port : 0;
  await api('PUT', '/v1/agent/service/register', { Name: 'files', Address: host, Port: appPort, Connect: { SidecarService: { Port: await freePort(host), Proxy: { LocalServiceAddress: host } } } });
  const upstreamPort = await registerCaller(api, host, 'reader', 'files');
  await startProxyProcess(t, agent, ['-sidecar-for', 'files']);
  const reader = await startProxyProcess(t, agent, ['-sidecar-for', 'reader']);

  const session = h2Connect(`http://${host}:${upstreamPort}`);
  session.on('error', () => undefined);
  t.teardown(() => session.destroy());
  const send = (path: string, method: string, body?: Buffer, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; trailers: IncomingHttpHeaders }>((resolve, reject) => {
      const stream = session.request({ ':path': path, ':method': method, ...headers }, { endStream: body === undefined });
      let status = 0;
      let text = '';
      let trailers: IncomingHttpHeaders = {};
      stream.on('response', (head) => (status = Number(head[':status'])));
      stream.on('trailers', (received: IncomingHttpHeaders) => (trailers = received));
      stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      stream.on('end', () => resolve({ status, body: text, trailers }));
      stream.on('error', reject);
      if (body !== undefined) stream.end(body);
    });
  let last: unknown;
  await eventually(async () => ((last = await send('/a', 'GET')).body === 'files GET /a 0'), 30_000, 'files reachable over h2c').catch((error: Error) => {
    throw new Error(`${error.message}; last ${JSON.stringify(last)}\n${reader.output().slice(-3000)}`);
  });
  const upload = await send('/up', 'POST', Buffer.alloc(100_000, 7), trace);
  t.like(upload, { status: 200, body: 'files POST /up 100000', trailers: { 'x-checksum': '100000' } });
  t.like(seen.at(-1), trace);
  t.regex(String(seen.at(-1)?.['x-request-id']), /^[0-9a-f-]{36}$/);
  const concurrent = await Promise.all(Array.from({ length: 20 }, (_, i) => send(`/c/${i}`, 'GET')));
  t.deepEqual(concurrent.map((answer) => answer.body), Array.from({ length: 20 }, (_, i) => `files GET /c/${i} 0`));

  // The same port takes HTTP/1.1 (no preface): carried to the app over h2 all the same.
  const plain = await get(host, upstreamPort, '/h1', { 'x-request-id': 'h1-1', traceparent: trace.traceparent });
  t.is(plain.body, 'files GET /h1 0');
  t.like(seen.at(-1), { 'x-request-id': 'h1-1', traceparent: trace.traceparent });
  await eventually(() => Promise.resolve(reader.stdout().includes('"protocol":"http2"')), 5000, 'an h2 stream in the access log');
});
