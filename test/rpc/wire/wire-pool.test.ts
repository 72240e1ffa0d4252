// Goal: the pool dials lazily, shares one connection per address among concurrent callers,
// redials after the server restarts (after its backoff), fails fast inside the backoff window,
// rejects calls when a peer vanishes without a goodbye, and closes cleanly. Backoff delays grow
// exponentially with jitter inside [base/2, max].
// Method: real WireServers on 127.0.0.1; a raw net server plays a peer that hangs up abruptly;
// backoff is checked as a pure function over a seeded Random.

import { createServer, type Socket } from 'node:net';
import test from 'ava';
import { SeededRandom } from '../../../src/lib/random.js';
import { reconnectDelayMs } from '../../../src/rpc/wire/backoff.js';
import { parseAddress } from '../../../src/rpc/wire/wire-pool.js';
import { WireServer } from '../../../src/rpc/wire/wire-server.js';
import { SystemClock } from '../../../src/lib/clock.js';
import { eventually, newPool, startServer, testHandlers } from './helpers.js';

test('one lazy connection per address, shared by concurrent callers', async (t) => {
  const { address, server } = await startServer(t);
  const pool = newPool(t);
  t.is(server.connectionCount(), 0);
  const replies = await Promise.all(Array.from({ length: 50 }, (_, k) => pool.call(address, 'echo', k)));
  t.deepEqual(replies, Array.from({ length: 50 }, (_, k) => k));
  t.is(server.connectionCount(), 1);
});

test('after a server restart on the same port the pool reconnects, failing fast while in backoff', async (t) => {
  const first = await startServer(t);
  const { port } = first.server.address();
  const pool = newPool(t, { backoffMsBase: 200, backoffMsMax: 400 });
  t.is(await pool.call(first.address, 'echo', 'before'), 'before');
  const connection = await pool.connection(first.address);
  await first.server.close();
  await connection.whenClosed();
  t.like(await t.throwsAsync(pool.call(first.address, 'echo', 1)), { failure: 'connect_failed' });
  t.like(await t.throwsAsync(pool.call(first.address, 'echo', 1)), { failure: 'backoff' });
  const restarted = await WireServer.listen({ host: '127.0.0.1', port, clock: new SystemClock(), protocols: { rpc: { versionMin: 1, versionMax: 1, handlers: testHandlers() } } });
  t.teardown(() => restarted.close());
  let reply: unknown;
  for (let attempt = 0; attempt < 250 && reply === undefined; attempt++) {
    reply = await pool.call(first.address, 'echo', 'after').catch(() => undefined);
    if (reply === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.is(reply, 'after');
});

test('a peer that hangs up without a goaway rejects the pending calls with closed', async (t) => {
  const sockets: Socket[] = [];
  const raw = createServer((socket) => {
    sockets.push(socket);
    let seen = 0;
    socket.on('data', (chunk) => {
      seen += chunk.length;
      if (seen > 40) socket.destroy(); // the hello, then the requests: hang up
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => raw.close(() => resolve())));
  const address = `127.0.0.1:${(raw.address() as { port: number }).port}`;
  const pool = newPool(t);
  const connection = await pool.connection(address);
  const calls = Array.from({ length: 5 }, (_, k) => connection.call('echo', `call ${k} with some padding`));
  for (const call of calls) t.like(await t.throwsAsync(call), { failure: 'closed' });
  t.is(connection.pendingCalls(), 0);
});

test('pool.close() fails pending calls and refuses new ones', async (t) => {
  const { address } = await startServer(t);
  const pool = newPool(t);
  const hanging = pool.call(address, 'hang', null);
  await pool.connection(address);
  await pool.close();
  t.like(await t.throwsAsync(hanging), { failure: 'closed' });
  t.like(await t.throwsAsync(pool.call(address, 'echo', 1)), { failure: 'closed' });
});

test('backoff grows exponentially with jitter, capped; addresses parse', (t) => {
  const random = new SeededRandom(1);
  t.is(reconnectDelayMs(0, 100, 10_000, random), 0);
  for (let failures = 1; failures <= 12; failures++) {
    const nominal = Math.min(10_000, 100 * 2 ** (failures - 1));
    for (let k = 0; k < 50; k++) {
      const delay = reconnectDelayMs(failures, 100, 10_000, random);
      t.true(delay >= nominal / 2 && delay <= Math.min(10_000, nominal * 1.5), `failures ${failures}: ${delay}`);
    }
  }
  t.deepEqual(parseAddress('10.0.0.1:8300'), { host: '10.0.0.1', port: 8300 });
  t.deepEqual(parseAddress('[::1]:8300'), { host: '::1', port: 8300 });
  t.throws(() => parseAddress('nohost'), { message: /want host:port/ });
  t.throws(() => parseAddress('h:0'));
});

test('the server closes connections over its cap at once', async (t) => {
  const { address, server } = await startServer(t, { connectionsMax: 2 });
  const pools = [newPool(t), newPool(t), newPool(t)];
  t.is(await pools[0]?.call(address, 'echo', 0), 0);
  t.is(await pools[1]?.call(address, 'echo', 1), 1);
  t.like(await t.throwsAsync(pools[2]?.call(address, 'echo', 2) ?? Promise.resolve()), { failure: 'closed' });
  t.is(server.connectionCount(), 2);
});

test('a peer that sends requests but never reads the replies is cut off at the reply backlog', async (t) => {
  const { server } = await startServer(t, { replyBacklogBytesMax: 256 * 1024 });
  const { connect } = await import('node:net');
  const { encodeFrame } = await import('../../../src/rpc/wire/frame-codec.js');
  const { toWire } = await import('../../../src/rpc/wire/envelope.js');
  const socket = connect(server.address().port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.on('connect', resolve));
  socket.pause(); // never read
  socket.write(encodeFrame(toWire({ type: 'hello', protocol: 'rpc', version: 1 }), 1 << 20) ?? Buffer.alloc(0));
  // Each request asks for a 60 KB reply; ≈ 2,000 of them would be 120 MB if nothing cut us off.
  for (let id = 1; id <= 2000 && !socket.destroyed; id++) socket.write(encodeFrame(toWire({ type: 'request', id, method: 'big', body: 60_000 }), 1 << 20) ?? Buffer.alloc(0));
  // Our side never reads, so it cannot see the hang-up; the server's count shows it.
  t.true(await eventually(() => server.connectionCount() === 0));
});
