// Goal: serveH1 serves HTTP/1.1 on real loopback sockets as a strict, bounded server: keep-alive
// reuse, pipelined requests answered in order, chunked request bodies, 413, Expect: 100-continue,
// HEAD/204/304 without bodies, Connection: close, HTTP/1.0, streamed answers (chunked, by length,
// close-delimited), the one-write buffered path, parse errors, timeouts, upgrade handoff to a
// node:http server, and the answer body's 'close' always firing. Method: raw TCP clients writing
// exact bytes and reading the exact answer bytes; node:http clients where the exact bytes do not matter.

import { createServer as createHttpServer, request as httpRequest, Agent } from 'node:http';
import { Readable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { ManualClock, SystemClock } from '../../../src/lib/clock.js';
import { bufferedBody } from '../../../src/proxy/l7/h1/buffered-body.js';
import { type H1Answer, type H1Context, type H1Request, type Refusal, serveH1, type ServeH1Options } from '../../../src/proxy/l7/h1/server.js';
import { count, listen, rawClient, waitFor } from './sockets.js';

type Handler = (request: H1Request, context: H1Context) => Promise<H1Answer>;

async function serve(t: ExecutionContext, handler: Handler, options: Partial<ServeH1Options> = {}) {
  const handoffs: import('node:stream').Duplex[] = [];
  const { port, sockets } = await listen(t, (socket) => serveH1(socket, { handler, onHandoff: (s) => handoffs.push(s), clock: new SystemClock(), ...options }));
  return { port, sockets, handoffs };
}

const text = (body: string, headers: Record<string, string> = {}): H1Answer => ({ status: 200, headers: { 'content-type': 'text/plain', ...headers }, body: bufferedBody(Buffer.from(body)) });
const echo: Handler = (request) => Promise.resolve(text(`${request.method} ${request.target} ${request.body.toString()}`));

test('buffered answer: one response with content-length; keep-alive reuses the connection (node:http agent)', async (t) => {
  const ports = new Set<number>();
  const { port } = await serve(t, (request, context) => {
    ports.add(context.remotePort);
    return echo(request, context);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  for (let i = 0; i < 3; i++) {
    const body = await new Promise<string>((resolve, reject) => {
      const outgoing = httpRequest({ port, host: '127.0.0.1', path: `/n${i}`, method: 'POST', agent }, (response) => {
        t.is(response.headers['content-length'], String(`POST /n${i} x${i}`.length));
        let all = '';
        response.on('data', (chunk: Buffer) => (all += chunk.toString()));
        response.on('end', () => resolve(all));
      });
      outgoing.on('error', reject);
      outgoing.end(`x${i}`);
    });
    t.is(body, `POST /n${i} x${i}`);
  }
  t.is(ports.size, 1);
});

test('pipelined requests are answered in order, one handler call at a time', async (t) => {
  let running = 0;
  let most = 0;
  const { port } = await serve(t, async (request) => {
    most = Math.max(most, ++running);
    // The first request is the slowest: answers must still come in request order.
    await new Promise((resolve) => setTimeout(resolve, request.target === '/1' ? 30 : 1));
    running--;
    return text(request.target);
  });
  const client = await rawClient(t, port);
  client.socket.write('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nPOST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi');
  const all = await client.until((received) => count(received, 'HTTP/1.1 200') === 3 && received.endsWith('/3'), 'three answers');
  t.true(all.indexOf('\r\n\r\n/1') < all.indexOf('\r\n\r\n/2') && all.indexOf('\r\n\r\n/2') < all.indexOf('\r\n\r\n/3'));
  t.is(most, 1);
  t.false(client.closed());
});

test('chunked request body in pieces; then a second request on the same connection', async (t) => {
  const { port } = await serve(t, echo);
  const client = await rawClient(t, port);
  client.socket.write('PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
  await new Promise((resolve) => setImmediate(resolve));
  client.socket.write('lo\r\n6;x=y\r\n world\r\n0\r\nTrailer-A: b\r\n\r\n');
  await client.until((received) => received.endsWith('PUT /c hello world'), 'chunked echo');
  client.socket.write('GET /d HTTP/1.1\r\nHost: a\r\n\r\n');
  await client.until((received) => received.endsWith('GET /d '), 'second answer');
  t.pass();
});

test('413 for a body over bodyBytesMax (content-length and chunked), then close; onRefused is told each', async (t) => {
  let calls = 0;
  const refusals: Refusal[] = [];
  const { port } = await serve(t, (request, context) => {
    calls++;
    return echo(request, context);
  }, { bodyBytesMax: 10, onRefused: (refusal) => refusals.push(refusal) });
  const byLength = await rawClient(t, port);
  byLength.socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n');
  await byLength.until((received) => received.startsWith('HTTP/1.1 413 ') && received.includes('connection: close'), '413');
  await waitFor(() => byLength.closed() || byLength.socket.readableEnded, 'close after 413');
  const chunked = await rawClient(t, port);
  chunked.socket.write('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n123456\r\n6\r\n123456\r\n0\r\n\r\n');
  await chunked.until((received) => received.startsWith('HTTP/1.1 413 '), 'chunked 413');
  t.is(calls, 0);
  const garbled = await rawClient(t, port);
  garbled.socket.write('NOT A REQUEST\r\n\r\n');
  await garbled.until((received) => received.startsWith('HTTP/1.1 400 '), '400');
  t.deepEqual(refusals.map(({ status, method, target }) => [status, method, target]), [
    [413, 'POST', '/'],
    [413, 'POST', '/'],
    [400, undefined, undefined],
  ]);
});

test('Expect: 100-continue gets 100 Continue before the body is read', async (t) => {
  const { port } = await serve(t, echo);
  const client = await rawClient(t, port);
  client.socket.write('POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
  await client.until((received) => received === 'HTTP/1.1 100 Continue\r\n\r\n', '100 Continue');
  client.socket.write('body');
  await client.until((received) => received.endsWith('POST /e body'), 'answer');
  const odd = await rawClient(t, port);
  odd.socket.write('GET / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n');
  await odd.until((received) => received.startsWith('HTTP/1.1 417 '), '417');
  t.pass();
});

test('HEAD, 204 and 304 answers carry no body; the answer body still closes', async (t) => {
  const closed: string[] = [];
  const { port } = await serve(t, (request) => {
    const status = Number(request.target.slice(1)) || 200;
    const body = bufferedBody(Buffer.from('hello'));
    body.on('close', () => closed.push(request.target));
    return Promise.resolve({ status, headers: { 'content-length': '5', etag: '"x"' }, body });
  });
  const client = await rawClient(t, port);
  client.socket.write('HEAD /200 HTTP/1.1\r\nHost: a\r\n\r\nGET /204 HTTP/1.1\r\nHost: a\r\n\r\nGET /304 HTTP/1.1\r\nHost: a\r\n\r\nGET /200 HTTP/1.1\r\nHost: a\r\n\r\n');
  const all = await client.until((received) => received.endsWith('hello'), 'four answers');
  t.is(all, [
    'HTTP/1.1 200 OK\r\netag: "x"\r\ncontent-length: 5\r\n\r\n',
    'HTTP/1.1 204 No Content\r\netag: "x"\r\n\r\n',
    'HTTP/1.1 304 Not Modified\r\netag: "x"\r\ncontent-length: 5\r\n\r\n',
    'HTTP/1.1 200 OK\r\netag: "x"\r\ncontent-length: 5\r\n\r\nhello',
  ].join(''));
  await waitFor(() => closed.length === 4, 'four closes');
  t.pass();
});

test('Connection: close from the client, or in the answer, closes after the answer', async (t) => {
  const { port } = await serve(t, (request) => Promise.resolve(text('x', request.target === '/answer-closes' ? { connection: 'close' } : {})));
  for (const [path, extra] of [['/client-closes', 'Connection: close\r\n'], ['/answer-closes', '']]) {
    const client = await rawClient(t, port);
    client.socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`);
    await client.until((received) => received.includes('connection: close\r\n') && received.endsWith('x'), 'answer');
    await waitFor(() => client.socket.readableEnded || client.closed(), 'server closes');
  }
  t.pass();
});

test('HTTP/1.0: closes by default, keeps alive on request; streamed answer without length is close-delimited', async (t) => {
  const { port } = await serve(t, (request) => Promise.resolve(request.target === '/stream' ? { status: 200, headers: {}, body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) } : text('x')));
  const plain = await rawClient(t, port);
  plain.socket.write('GET / HTTP/1.0\r\n\r\n');
  await plain.until((received) => received.endsWith('connection: close\r\n\r\nx'), 'answer');
  await waitFor(() => plain.socket.readableEnded || plain.closed(), 'close');
  const kept = await rawClient(t, port);
  kept.socket.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const all = await kept.until((received) => received.endsWith('abcd'), 'two answers');
  t.true(all.startsWith('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1\r\nconnection: keep-alive\r\n\r\nx'));
  t.true(all.endsWith('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabcd'));
  await waitFor(() => kept.socket.readableEnded || kept.closed(), 'close-delimited end');
});

test('streamed answers: chunked for 1.1, by the answer length when it has one; body close fires', async (t) => {
  let closes = 0;
  const { port } = await serve(t, (request) => {
    const body = Readable.from([Buffer.from('hello '), Buffer.from('world')]);
    body.on('close', () => closes++);
    return Promise.resolve({ status: 200, headers: request.target === '/length' ? { 'content-length': '11' } : {}, body });
  });
  const client = await rawClient(t, port);
  client.socket.write('GET /chunked HTTP/1.1\r\nHost: a\r\n\r\nGET /length HTTP/1.1\r\nHost: a\r\n\r\n');
  const all = await client.until((received) => received.endsWith('content-length: 11\r\n\r\nhello world'), 'two answers');
  t.true(all.startsWith('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n'));
  await waitFor(() => closes === 2, 'bodies closed');
});

test('a streamed body that fails or overruns its length destroys the connection', async (t) => {
  const { port } = await serve(t, (request) => {
    const body = new Readable({ read() {} });
    body.push('partial');
    if (request.target === '/overrun') {
      body.push('-and-more');
      body.push(null);
    } else setImmediate(() => body.destroy(new Error('upstream died')));
    return Promise.resolve({ status: 200, headers: request.target === '/overrun' ? { 'content-length': '7' } : {}, body });
  });
  for (const path of ['/fail', '/overrun']) {
    const client = await rawClient(t, port);
    client.socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
    await waitFor(() => client.closed(), `${path} destroyed`);
    t.false(client.received().endsWith('0\r\n\r\n'), path);
  }
});

test('parse errors answer 400/431/501/505 with connection: close; garbage never crashes', async (t) => {
  const { port } = await serve(t, echo, { headBytesMax: 1024 });
  const cases: Array<[string, number]> = [
    ['GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
    ['POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    [`GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(2000)}`, 431],
    ['\x00\x01\x02garbage\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
  ];
  for (const [wire, status] of cases) {
    const client = await rawClient(t, port);
    client.socket.write(wire);
    const received = await client.until((all) => all.includes('\r\n\r\n'), `answer ${status}`);
    t.true(received.startsWith(`HTTP/1.1 ${status} `), received);
    t.true(received.includes('connection: close\r\n'));
  }
});

test('timeouts on the injected clock: 408 for a slow request, close for an idle connection', async (t) => {
  const slowClock = new ManualClock();
  const { port: slowPort } = await serve(t, echo, { clock: slowClock, requestTimeoutMs: 1_000, idleTimeoutMs: 5_000 });
  const slow = await rawClient(t, slowPort);
  slow.socket.write('GET / HTTP/1.1\r\nHo');
  // Steps of 100 ms until the 408: the request timer starts when the server has read the first bytes.
  let advancedMs = 0;
  await waitFor(() => {
    slowClock.advance(100);
    advancedMs += 100;
    return slow.received().startsWith('HTTP/1.1 408 ');
  }, '408');
  t.true(advancedMs < 5_000, 'the request timeout, not the idle one');
  const idleClock = new ManualClock();
  const { port: idlePort } = await serve(t, echo, { clock: idleClock, requestTimeoutMs: 1_000, idleTimeoutMs: 5_000 });
  const idle = await rawClient(t, idlePort);
  await waitFor(() => idleClock.pendingTimers() === 1, 'connection served');
  idleClock.advance(4_999);
  t.false(idle.closed());
  idleClock.advance(1);
  await waitFor(() => idle.closed(), 'idle connection closed');
});

test('the handler signal aborts when the client goes away before the answer', async (t) => {
  let signal: AbortSignal | undefined;
  const { port } = await serve(t, (_request, context) => {
    signal = context.signal;
    return new Promise(() => undefined);
  });
  const client = await rawClient(t, port);
  client.socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  await waitFor(() => signal !== undefined, 'handler called');
  client.socket.destroy();
  await waitFor(() => signal?.aborted === true, 'signal aborted');
  t.pass();
});

test('upgrade handoff: a node:http server receives the socket, the upgrade head and the early bytes', async (t) => {
  const http = createHttpServer();
  const seen: string[] = [];
  http.on('upgrade', (request, socket, head) => {
    seen.push(`${request.url} ${request.headers.upgrade} ${head.toString()}`);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
  });
  const { port } = await serve(t, echo, { onHandoff: (socket) => http.emit('connection', socket) });
  const client = await rawClient(t, port);
  // A plain request first: the handoff happens at the message boundary after it.
  client.socket.write('GET /plain HTTP/1.1\r\nHost: a\r\n\r\n');
  await client.until((received) => received.endsWith('GET /plain '), 'plain answer');
  client.socket.write('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly');
  await client.until((received) => received.includes('101 Switching Protocols'), '101');
  client.socket.write('ping');
  await client.until((received) => received.endsWith('ping'), 'echo');
  t.deepEqual(seen, ['/ws echo early']);
});

test('property: a mutated request gets an answer or a close, never a crash or a hang', async (t) => {
  const valid = Buffer.from('POST /path?q=1 HTTP/1.1\r\nHost: example\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello', 'latin1');
  const clock = new ManualClock();
  const { port } = await serve(t, echo, { clock, requestTimeoutMs: 1_000, idleTimeoutMs: 60_000 });
  const samples = fc.sample(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), { numRuns: 40, seed: 42 });
  for (const mutations of samples) {
    const wire = Buffer.from(valid);
    for (const [at, byte] of mutations) wire[at] = byte;
    const client = await rawClient(t, port);
    client.socket.write(wire);
    // Step the clock until the server answered (anything) or closed: a request left incomplete by
    // the mutation must end in a 408 rather than wait forever.
    await waitFor(() => {
      clock.advance(100);
      return client.received().startsWith('HTTP/1.1 ') || client.closed();
    }, `an answer to ${JSON.stringify(wire.toString('latin1'))}`);
    client.socket.destroy();
  }
  const after = await rawClient(t, port);
  after.socket.write(valid);
  await after.until((received) => received.endsWith('POST /path?q=1 hello'), 'the server still serves');
  t.pass();
});

test('a handler that rejects, or throws instead of returning a promise, gets 500 and the connection closes; the server keeps serving', async (t) => {
  const { port } = await serve(t, (request) => {
    if (request.target === '/throw') throw new Error('thrown');
    if (request.target === '/reject') return Promise.reject(new Error('rejected'));
    return Promise.resolve(text('fine'));
  });
  for (const path of ['/throw', '/reject']) {
    const client = await rawClient(t, port);
    client.socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
    const answer = await client.until((received) => received.includes('internal error\n'), `the 500 for ${path}`);
    t.true(answer.startsWith('HTTP/1.1 500 Internal Server Error\r\n'));
    t.true(answer.includes('connection: close\r\n'));
    await waitFor(() => client.closed(), 'the connection closes');
  }
  const client = await rawClient(t, port);
  client.socket.write('GET /ok HTTP/1.1\r\nHost: a\r\n\r\n');
  await client.until((received) => received.endsWith('fine'), 'a later request is served');
  t.pass();
});
