// Goal: H1Pool talks HTTP/1.1 to real upstreams on loopback: keep-alive reuse, connectionsMax with
// a FIFO queue, aborts (queued and in flight), dial failures as 'connect', the keep-alive race
// retried once on a new connection, close-delimited and chunked bodies (a big one streamed with
// backpressure), an upstream dying mid-body, 1xx skipped, 101 refused, close(). Method: node:http
// servers where behaviour is ordinary, raw TCP servers writing exact bytes where it is not.

import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { ManualClock, SystemClock } from '../../../src/lib/clock.js';
import { DispatchError } from '../../../src/proxy/l7/dispatch.js';
import { bufferedBytes } from '../../../src/proxy/l7/h1/buffered-body.js';
import { H1Pool, type H1PoolOptions } from '../../../src/proxy/l7/h1/pool.js';
import { serveH1 } from '../../../src/proxy/l7/h1/server.js';
import { listen, waitFor } from './sockets.js';

async function httpServer(t: ExecutionContext, handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const server = createHttpServer(handler);
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  let opened = 0;
  server.on('connection', () => opened++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, connections, opened: () => opened };
}

function dialer(port: number): () => Promise<Socket> {
  return () =>
    new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
}

function pool(t: ExecutionContext, port: number, options: Partial<H1PoolOptions> = {}): H1Pool {
  const created = new H1Pool({ dial: dialer(port), connectionsMax: 4, clock: new SystemClock(), ...options });
  t.teardown(() => created.destroy());
  return created;
}

async function readAll(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const get = (path: string, headers: Record<string, string> = {}) => ({ method: 'GET', path, headers: { host: 'upstream', ...headers }, body: Buffer.alloc(0) });
/** A signal of its own per request (a shared one would collect listeners across concurrent tests). */
const never = (): AbortSignal => new AbortController().signal;

test('keep-alive reuse; small bodies come buffered; request framing and host kept', async (t) => {
  const seen: string[] = [];
  const upstream = await httpServer(t, (request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push(`${request.method} ${request.url} ${request.headers.host} ${request.headers['content-length'] ?? '-'} ${body}`);
      response.end(`hi ${request.url}`);
    });
  });
  const h1 = pool(t, upstream.port);
  for (let i = 0; i < 3; i++) {
    const response = await h1.request(i === 1 ? { method: 'POST', path: '/p', headers: { host: 'h', connection: 'keep-alive, x', 'transfer-encoding': 'chunked' }, body: Buffer.from('data') } : get(`/g${i}`), never());
    t.is(response.status, 200);
    const bytes = bufferedBytes(response.body);
    t.is(bytes?.toString(), i === 1 ? 'hi /p' : `hi /g${i}`);
    response.body.destroy();
  }
  t.deepEqual(seen, ['GET /g0 upstream - ', 'POST /p h 4 data', 'GET /g2 upstream - ']);
  t.is(upstream.opened(), 1);
});

test("an upstream's hop-by-hop fields end at the pool: Connection (and what it lists) and Keep-Alive are dropped", async (t) => {
  const upstream = await httpServer(t, (_request, response) => {
    response.writeHead(200, { connection: 'close, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', 'x-end': '2', 'content-length': '2' });
    response.end('ok');
  });
  const response = await pool(t, upstream.port).request(get('/'), never());
  t.is(response.headers.connection, undefined);
  t.is(response.headers['x-hop'], undefined, 'listed in Connection');
  t.is(response.headers['keep-alive'], undefined);
  t.is(response.headers['x-end'], '2');
  t.is(response.headers['content-length'], '2', 'framing stays for the writer');
  response.body.destroy();
});

test('connectionsMax: further requests queue FIFO and reuse the freed connection', async (t) => {
  const held: ServerResponse[] = [];
  const order: string[] = [];
  const upstream = await httpServer(t, (request, response) => {
    order.push(request.url ?? '');
    held.push(response);
  });
  const h1 = pool(t, upstream.port, { connectionsMax: 1 });
  const answers = [h1.request(get('/1'), never()), h1.request(get('/2'), never()), h1.request(get('/3'), never())];
  for (let i = 1; i <= 3; i++) {
    await waitFor(() => held.length === i, `request ${i} at the upstream`);
    t.is(upstream.connections.size, 1);
    held[i - 1]?.end(`r${i}`);
    const response = await answers[i - 1];
    t.is((await readAll(response!.body)).toString(), `r${i}`);
  }
  t.deepEqual(order, ['/1', '/2', '/3']);
  t.is(upstream.opened(), 1);
});

test('abort: a queued request leaves the queue; an in-flight one rejects with the reason', async (t) => {
  const held: ServerResponse[] = [];
  const upstream = await httpServer(t, (_request, response) => held.push(response));
  const h1 = pool(t, upstream.port, { connectionsMax: 1 });
  const inFlight = new AbortController();
  const first = h1.request(get('/1'), inFlight.signal);
  await waitFor(() => held.length === 1, 'first at the upstream');
  const queued = new AbortController();
  const second = h1.request(get('/2'), queued.signal);
  const third = h1.request(get('/3'), never());
  const reason = new Error('caller gave up');
  queued.abort(reason);
  t.is(await t.throwsAsync(second), reason);
  inFlight.abort(reason);
  t.is(await t.throwsAsync(first), reason);
  // The aborted exchange's connection is gone; the third request gets a new one.
  await waitFor(() => held.length === 2, 'third at the upstream');
  held[1]?.end('three');
  t.is((await readAll((await third).body)).toString(), 'three');
  t.is(upstream.opened(), 2);
});

test('dial failure rejects with DispatchError connect', async (t) => {
  const { server, port } = await listen(t, () => undefined);
  server.close();
  await new Promise((resolve) => setTimeout(resolve, 10));
  const h1 = pool(t, port);
  const error = await t.throwsAsync(h1.request(get('/'), never()));
  t.true(error instanceof DispatchError && error.kind === 'connect', String(error));
});

test('keep-alive race: a reused connection closed by the upstream before any answer byte is retried once on a new one', async (t) => {
  let connectionIndex = 0;
  const { port } = await listen(t, (socket) => {
    const index = connectionIndex++;
    let requests = 0;
    socket.on('data', () => {
      requests++;
      // The first connection answers once, then drops the second request unanswered.
      if (index === 0 && requests === 2) socket.destroy();
      else socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nc${index}`);
    });
  });
  const h1 = pool(t, port);
  t.is(bufferedBytes((await h1.request(get('/a'), never())).body)?.toString(), 'c0');
  t.is(bufferedBytes((await h1.request(get('/b'), never())).body)?.toString(), 'c1');
  t.is(connectionIndex, 2);
});

test('an idle connection the upstream closes leaves the pool; a fresh connection is not retried', async (t) => {
  let connections = 0;
  const { port, sockets } = await listen(t, (socket) => {
    connections++;
    socket.on('data', () => {
      if (connections >= 3) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx');
    });
  });
  const h1 = pool(t, port);
  await h1.request(get('/a'), never());
  for (const socket of sockets) socket.end();
  await waitFor(() => sockets.size === 0, 'upstream closed its connection');
  await h1.request(get('/b'), never());
  t.is(connections, 2);
  for (const socket of sockets) socket.end();
  await waitFor(() => sockets.size === 0, 'upstream closed again');
  const error = await t.throwsAsync(h1.request(get('/c'), never()));
  t.true(error instanceof DispatchError && error.kind === 'reset');
  t.is(connections, 3);
});

test('close-delimited response body; 1xx skipped; HEAD and 204 bodiless; 101 refused', async (t) => {
  const { port } = await listen(t, (socket) => {
    socket.on('data', (chunk: Buffer) => {
      const path = chunk.toString('latin1').split(' ')[1];
      if (path === '/close') socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
      else if (path === '/interim') socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: x\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      else if (path === '/head') socket.write('HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n');
      else if (path === '/204') socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n');
    });
  });
  const h1 = pool(t, port);
  t.is((await readAll((await h1.request(get('/close'), never())).body)).toString(), 'until the end');
  const interim = await h1.request(get('/interim'), never());
  t.is(interim.status, 200);
  t.is((await readAll(interim.body)).toString(), 'ok');
  const head = await h1.request({ ...get('/head'), method: 'HEAD' }, never());
  t.is(head.headers['content-length'], '99');
  t.is((await readAll(head.body)).length, 0);
  t.is((await h1.request(get('/204'), never())).status, 204);
  const error = await t.throwsAsync(h1.request(get('/upgrade'), never()));
  t.true(error instanceof DispatchError && error.kind === 'reset');
});

test('a big chunked response streams with backpressure and arrives whole', async (t) => {
  const chunkBytes = 64 * 1024;
  const chunks = 128;
  let pausedWrites = 0;
  const upstream = await httpServer(t, (_request, response) => {
    let index = 0;
    const writeMore = (): void => {
      while (index < chunks) {
        const ok = response.write(Buffer.alloc(chunkBytes, index % 251));
        index++;
        if (!ok) {
          pausedWrites++;
          response.once('drain', writeMore);
          return;
        }
      }
      response.end();
    };
    writeMore();
  });
  const h1 = pool(t, upstream.port);
  const response = await h1.request(get('/big'), never());
  t.is(response.headers['transfer-encoding'], 'chunked');
  t.is(bufferedBytes(response.body), undefined);
  let total = 0;
  let ok = true;
  for await (const part of response.body) {
    const bytes = part as Buffer;
    for (let i = 0; i < bytes.length; i += 4096) if (bytes[i] !== Math.floor((total + i) / chunkBytes) % 251) ok = false;
    total += bytes.length;
    // A slow consumer: the upstream must wait for it.
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.is(total, chunkBytes * chunks);
  t.true(ok, 'bytes in order');
  t.true(pausedWrites > 0, 'the upstream saw backpressure');
  // The connection is reused after the body was read.
  await h1.request(get('/again'), never()).then((again) => readAll(again.body));
  t.is(upstream.opened(), 1);
});

test('an upstream dying mid-body makes the body error; destroying a body early drops its connection', async (t) => {
  const upstream = await httpServer(t, (request, response) => {
    response.writeHead(200, { 'content-length': '1000000' });
    response.write(Buffer.alloc(1000));
    if (request.url === '/die') setImmediate(() => response.socket?.destroy());
  });
  const h1 = pool(t, upstream.port);
  const dying = await h1.request(get('/die'), never());
  const error = await t.throwsAsync(readAll(dying.body));
  t.true(error instanceof DispatchError && error.kind === 'reset', String(error));
  const dropped = await h1.request(get('/slow'), never());
  await waitFor(() => dropped.body.readableLength > 0, 'some body');
  let closed = false;
  dropped.body.on('close', () => (closed = true));
  dropped.body.destroy();
  await waitFor(() => closed && upstream.connections.size === 0, 'connection dropped');
  t.pass();
});

test('close(): in-flight requests finish, new ones reject, then connections close', async (t) => {
  const held: ServerResponse[] = [];
  const upstream = await httpServer(t, (_request, response) => held.push(response));
  const h1 = pool(t, upstream.port);
  const inFlight = h1.request(get('/1'), never());
  await waitFor(() => held.length === 1, 'request at the upstream');
  let closed = false;
  const closing = h1.close().then(() => (closed = true));
  const refused = await t.throwsAsync(h1.request(get('/2'), never()));
  t.true(refused instanceof DispatchError);
  t.false(closed);
  held[0]?.end('done');
  t.is(bufferedBytes((await inFlight).body)?.toString(), 'done');
  await closing;
  await waitFor(() => upstream.connections.size === 0, 'connections closed');
});

test('idle connections close after idleTimeoutMs on the injected clock', async (t) => {
  const clock = new ManualClock();
  const upstream = await httpServer(t, (_request, response) => response.end('x'));
  const h1 = pool(t, upstream.port, { clock, idleTimeoutMs: 1_000 });
  await h1.request(get('/'), never());
  t.is(clock.pendingTimers(), 1);
  clock.advance(999);
  t.is(upstream.connections.size, 1);
  clock.advance(1);
  await waitFor(() => upstream.connections.size === 0, 'idle connection closed');
  await h1.request(get('/'), never());
  t.is(upstream.opened(), 2);
});

test('a serveH1 server forwarding through an H1Pool: small answers buffered end to end, a big one streamed', async (t) => {
  const big = Buffer.alloc(4 * 1024 * 1024, 7);
  const upstream = await httpServer(t, (request, response) => {
    if (request.url === '/big') response.end(big);
    else response.end(`small ${request.url}`);
  });
  const h1 = pool(t, upstream.port);
  const { port } = await listen(t, (socket) =>
    serveH1(socket, {
      clock: new SystemClock(),
      onHandoff: (handed) => handed.destroy(),
      handler: async (request, context) => {
        const response = await h1.request({ method: request.method, path: request.target, headers: { host: 'upstream' }, body: request.body }, context.signal);
        return { status: response.status, headers: { 'content-length': response.headers['content-length'] }, body: response.body };
      },
    }),
  );
  const fetched = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return Buffer.from(await response.arrayBuffer());
  };
  t.is((await fetched('/a')).toString(), 'small /a');
  t.true((await fetched('/big')).equals(big));
  t.is((await fetched('/b')).toString(), 'small /b');
});
