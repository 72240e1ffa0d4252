// Goal: the pieces the h2/gRPC and upgrade paths are built from do what they say, on real loopback
// sockets where I/O is involved: the HTTP/2 preface sniffing (whole, split, diverging late, cut short),
// gRPC-shaped local answers as a real gRPC client reads them, trailers forwarded, and the rule that
// a streaming body is not retried once bytes were sent (only a connect failure is). Method: node
// net/http2 servers and clients, @grpc/grpc-js, ManualClock + SeededRandom for the retry wrapper.

import { connect as h2Connect, createServer as createH2Server, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { connect as netConnect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import { DispatchError, type L7Request, localResponse } from '../../src/proxy/l7/dispatch.js';
import { asGrpc, encodeGrpcMessage, grpcLocalResponse, grpcStatusOfHttp, isGrpc } from '../../src/proxy/l7/grpc-local.js';
import { h2ForwardHeaders, sendOnSession, writeH2Response } from '../../src/proxy/l7/h2-io.js';
import { H2Sessions } from '../../src/proxy/l7/h2-sessions.js';
import { classifyPreface, h2Preface, sniffPreface } from '../../src/proxy/l7/preface.js';
import { type RetryPolicy, withRetry } from '../../src/proxy/l7/retry.js';
import { streamingRetryPolicy } from '../../src/proxy/l7/streaming.js';
import { wantsUpgrade } from '../../src/proxy/l7/upgrade.js';

const host = '127.0.0.1';

async function listening<S extends Server | Http2Server>(t: ExecutionContext, server: S): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

test('classifyPreface: the whole preface is h2, any divergence http1, a prefix undecided', (t) => {
  t.is(classifyPreface(h2Preface), 'h2');
  t.is(classifyPreface(Buffer.concat([h2Preface, Buffer.from([0, 0, 0, 4])])), 'h2');
  t.is(classifyPreface(h2Preface.subarray(0, 10)), undefined);
  t.is(classifyPreface(Buffer.alloc(0)), undefined);
  t.is(classifyPreface(Buffer.from('GET / HTTP/1.1\r\n')), 'http1');
  t.is(classifyPreface(Buffer.from('PRI * HTTP/1.1')), 'http1');
  t.is(classifyPreface(Buffer.from('POST')), 'http1');
});

test('sniffPreface on loopback: h2 prior knowledge served by http2, split preface, HTTP/1, cut short; bytes put back', async (t) => {
  const h2 = createH2Server();
  h2.on('stream', (stream, headers) => stream.respond({ ':status': 200, 'x-path': String(headers[':path']) }, { endStream: true }));
  const kinds: string[] = [];
  const received: Buffer[] = [];
  const server = createNetServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket: Socket) => {
    void sniffPreface(socket).then((kind) => {
      kinds.push(kind);
      if (kind === 'h2') h2.emit('connection', socket);
      else if (kind === 'http1') {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => {
          received.push(Buffer.concat(chunks));
          socket.end('bye');
        });
      }
      socket.resume();
    });
  });
  const port = await listening(t, server);
  const session = h2Connect(`http://${host}:${port}`);
  t.teardown(() => session.destroy());
  const head = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
    const stream = session.request({ ':path': '/sniffed' });
    stream.once('response', resolve);
    stream.once('error', reject);
    stream.resume();
  });
  t.is(head['x-path'], '/sniffed');

  const raw = async (parts: readonly Buffer[]): Promise<string> => {
    const socket = netConnect({ host, port });
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once('connect', resolve));
    for (const part of parts) await new Promise((resolve) => socket.write(part, resolve));
    socket.end();
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    await new Promise((resolve) => socket.once('close', resolve));
    return answer;
  };
  t.is(await raw([Buffer.from('GET / HT'), Buffer.from('TP/1.1\r\n\r\n')]), 'bye');
  t.is(await raw([h2Preface.subarray(0, 5)]), '', 'a connection ending inside the preface is closed');
  t.is(await raw([Buffer.from('PRI * HTTP/1.1\r\n\r\n')]), 'bye');
  t.deepEqual(kinds, ['h2', 'http1', 'closed', 'http1']);
  t.deepEqual(received.map((bytes) => bytes.toString('latin1')), ['GET / HTTP/1.1\r\n\r\n', 'PRI * HTTP/1.1\r\n\r\n']);
});

test('gRPC local answers: HTTP → gRPC codes, message encoding, local answers reshaped, upstream answers kept', (t) => {
  t.deepEqual([400, 401, 403, 404, 429, 502, 503, 504, 500].map(grpcStatusOfHttp), [13, 16, 7, 12, 14, 14, 14, 14, 2]);
  t.is(encodeGrpcMessage('RBAC: access denied'), 'RBAC: access denied');
  t.is(encodeGrpcMessage('50% é\n'), '50%25 %C3%A9%0A');
  t.true(isGrpc({ 'content-type': 'application/grpc+proto' }));
  t.false(isGrpc({ 'content-type': 'application/json' }));
  t.like(asGrpc(localResponse(403, 'RBAC: access denied')).headers, { 'grpc-status': '7', 'grpc-message': 'RBAC: access denied', 'content-type': 'application/grpc' });
  t.like(asGrpc(localResponse(503, 'no healthy upstream')), { status: 200, headers: { 'grpc-status': '14' } });
  t.like(asGrpc(localResponse(504, 'upstream request timeout')).headers, { 'grpc-status': '14', 'grpc-message': 'upstream request timeout' });
  const upstream = { status: 503, headers: {}, body: Readable.from([]) };
  t.is(asGrpc(upstream), upstream, "an upstream's own answer is not the proxy's to reshape");
  t.deepEqual(h2ForwardHeaders({ ':path': '/', connection: 'keep-alive', te: 'trailers', host: 'x', traceparent: 'tp', 'x-b3-traceid': 'b3' }), { te: 'trailers', traceparent: 'tp', 'x-b3-traceid': 'b3' });
  t.false('te' in h2ForwardHeaders({ te: 'gzip' }));
  t.true(wantsUpgrade({ connection: 'keep-alive, Upgrade', upgrade: 'websocket' }));
  t.false(wantsUpgrade({ connection: 'keep-alive', upgrade: 'websocket' }));
});

test('a real gRPC client reads the local answers (trailers-only) and forwarded trailers', async (t) => {
  const server = createH2Server();
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    stream.resume();
    const path = String(headers[':path']);
    if (path === '/t.S/Denied') return writeH2Response(stream, grpcLocalResponse(7, 'RBAC: access denied'));
    if (path === '/t.S/Down') return writeH2Response(stream, asGrpc(localResponse(503, 'no healthy upstream')));
    // A message, then a status in the trailers, as an upstream sends it through sendOnSession.
    const message = Buffer.from('{"ok":true}');
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    writeH2Response(stream, { status: 200, headers: { 'content-type': 'application/grpc' }, body: Readable.from([frame]), trailers: () => ({ 'grpc-status': '0', 'x-extra': 'kept' }) });
  });
  const port = await listening(t, server);
  const json = { serialize: (value: unknown) => Buffer.from(JSON.stringify(value)), deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown };
  const client = new grpc.Client(`${host}:${port}`, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const call = (method: string) =>
    new Promise<{ error: grpc.ServiceError | null; value?: unknown; trailers?: grpc.Metadata }>((resolve) => {
      let answer: { error: grpc.ServiceError | null; value?: unknown } = { error: null };
      const unary = client.makeUnaryRequest(`/t.S/${method}`, json.serialize, json.deserialize, {}, (error, value) => (answer = { error, value }));
      // The status (with the trailers) comes after the callback.
      unary.on('status', (status: grpc.StatusObject) => setImmediate(() => resolve({ ...answer, trailers: status.metadata })));
    });
  t.like((await call('Denied')).error, { code: grpc.status.PERMISSION_DENIED, details: 'RBAC: access denied' });
  t.like((await call('Down')).error, { code: grpc.status.UNAVAILABLE, details: 'no healthy upstream' });
  const fine = await call('Fine');
  t.is(fine.error, null);
  t.deepEqual(fine.value, { ok: true });
  t.deepEqual(fine.trailers?.get('x-extra'), ['kept']);
});

test('streaming bodies: no retry once bytes were sent, a connect failure is retried; buffered bodies retry on 5xx', async (t) => {
  const bodies: string[] = [];
  const server = createH2Server();
  server.on('stream', (stream: ServerHttp2Stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString());
      stream.respond({ ':status': 503 }, { endStream: true });
    });
  });
  const port = await listening(t, server);
  const closed = createNetServer();
  const closedPort = await listening(t, closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const clock = new ManualClock();
  const random = new SeededRandom(1);
  let sessions = new H2Sessions();
  t.teardown(() => sessions.close());
  let dials = 0;
  const dial = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      // The first dial of each run fails (refused): nothing was sent, so the request may go again.
      const socket = netConnect({ host, port: dials++ % 10 === 0 ? closedPort : port });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  const dispatch = (request: L7Request, signal: AbortSignal) => sessions.session('peer', dial).then((session) => sendOnSession(session, request, `${host}:${port}`, signal));
  const policy = { numRetries: 3, retryOnConnectFailure: true, retryOnStatusCodes: [503], retryOn5xx: true };
  const run = async (request: L7Request, retryPolicy: RetryPolicy) => {
    const pending = withRetry(dispatch, retryPolicy, clock, random)(request, new AbortController().signal);
    let done = false;
    void pending.finally(() => (done = true)).catch(() => undefined);
    // Real I/O between the backoff pauses: let it happen, then move the manual clock on.
    for (let i = 0; i < 200 && !done; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(250);
    }
    return pending;
  };

  const streamed = await run({ method: 'POST', path: '/s', headers: {}, body: Buffer.alloc(0), stream: Readable.from([Buffer.from('once')]) }, streamingRetryPolicy(policy));
  t.like(streamed, { status: 503, attempts: 2 }, 'the refused dial was retried, the 503 after the body was not');
  t.deepEqual(bodies, ['once']);

  dials = 10;
  bodies.length = 0;
  await sessions.close();
  sessions = new H2Sessions();
  const buffered = await run({ method: 'POST', path: '/b', headers: {}, body: Buffer.from('again') }, policy);
  t.like(buffered, { status: 503, attempts: 4 });
  t.deepEqual(bodies, ['again', 'again', 'again'], 'a buffered body is sent again on 503 (the first dial was refused)');

  t.deepEqual(streamingRetryPolicy(policy), { numRetries: 3, retryOnConnectFailure: true, retryOnStatusCodes: [], retryOn5xx: false });
  t.is(streamingRetryPolicy({ ...policy, retryOnConnectFailure: false }).numRetries, 0);
});

test('H2Sessions: one session per key shared by concurrent requests, replaced after the peer closes it', async (t) => {
  const server = createH2Server();
  const serverSessions: Http2Session[] = [];
  server.on('session', (session: Http2Session) => serverSessions.push(session));
  server.on('stream', (stream: ServerHttp2Stream) => stream.respond({ ':status': 204 }, { endStream: true }));
  const port = await listening(t, server);
  const sessions = new H2Sessions();
  t.teardown(() => sessions.close());
  let dials = 0;
  const dial = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      dials++;
      const socket = netConnect({ host, port });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  const [a, b] = await Promise.all([sessions.session('peer', dial), sessions.session('peer', dial)]);
  t.is(a, b);
  t.is(dials, 1, 'a burst shares one dial');
  const answer = await sendOnSession(a, { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0) }, 'peer', new AbortController().signal);
  t.is(answer.status, 204);
  answer.body.resume();
  // The peer says GOAWAY and closes: the next request dials a new session.
  const closed = new Promise((resolve) => a.once('close', resolve));
  serverSessions[0]?.close();
  await closed;
  const c = await sessions.session('peer', dial);
  t.not(c, a);
  t.is(dials, 2);
  t.is((await sendOnSession(c, { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0) }, 'peer', new AbortController().signal)).status, 204);
  await t.throwsAsync(new H2Sessions().session('refused', () => Promise.reject(new Error('ECONNREFUSED'))), { instanceOf: DispatchError, message: 'ECONNREFUSED' });
});

test('H2Sessions.retain closes the sessions of keys no longer listed, and only those', async (t) => {
  const server = createH2Server();
  server.on('stream', (stream: ServerHttp2Stream) => stream.respond({ ':status': 204 }, { endStream: true }));
  const port = await listening(t, server);
  const sessions = new H2Sessions();
  t.teardown(() => sessions.close());
  const dial = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = netConnect({ host, port });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  const kept = await sessions.session('api@10.0.0.1:1', dial);
  const leaving = await sessions.session('api@10.0.0.2:1', dial);
  const leftClosed = new Promise((resolve) => leaving.once('close', resolve));
  sessions.retain(new Set(['api@10.0.0.1:1']));
  await leftClosed;
  t.false(kept.closed);
  t.is(await sessions.session('api@10.0.0.1:1', dial), kept, 'a listed key keeps its session');
  t.not(await sessions.session('api@10.0.0.2:1', dial), leaving, 'a key listed again dials anew');
});
