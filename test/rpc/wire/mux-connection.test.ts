// Goal: over real loopback sockets, calls return their replies (also many at once, answered out
// of order), remote TaxiwayErrors keep their code, timeouts fire from the injected Clock and leave
// nothing pending, oversized frames are refused (ours at once, the peer's by closing with a clear
// goaway), a peer that disappears mid-call rejects every pending call, and the hello decides the
// protocol: unknown protocols/versions, silence and garbage are turned away.
// Method: a WireServer on 127.0.0.1:0 with test handlers (helpers.ts) and a WirePool; raw
// net.Sockets play misbehaving peers. ManualClock drives the timeout test.

import { connect } from 'node:net';
import test from 'ava';
import { ManualClock } from '../../../src/lib/clock.js';
import { isTaxiwayError } from '../../../src/lib/errors.js';
import { toWire } from '../../../src/rpc/wire/envelope.js';
import { encodeFrame } from '../../../src/rpc/wire/frame-codec.js';
import { isWireError } from '../../../src/rpc/wire/wire-error.js';
import { eventually, newPool, startServer } from './helpers.js';

test('calls return their replies; 200 concurrent calls answered out of order each get their own', async (t) => {
  const { address } = await startServer(t);
  const pool = newPool(t);
  t.deepEqual(await pool.call(address, 'echo', { hello: ['world', 1] }), { hello: ['world', 1] });
  const calls = Array.from({ length: 200 }, (_, k) => pool.call(address, 'sleep', { ms: (k * 7) % 23, value: k }));
  t.deepEqual(await Promise.all(calls), Array.from({ length: 200 }, (_, k) => k));
  t.is((await pool.connection(address)).pendingCalls(), 0);
});

test('a handler throwing a TaxiwayError reaches the caller with the same code; other errors are internal; unknown methods bad_request', async (t) => {
  const { address } = await startServer(t);
  const pool = newPool(t);
  const notFound = await t.throwsAsync(pool.call(address, 'fail', null));
  t.true(isTaxiwayError(notFound) && !isWireError(notFound));
  t.is((notFound as { code?: string }).code, 'not_found');
  t.is(notFound?.message, 'no such thing');
  const crash = await t.throwsAsync(pool.call(address, 'crash', null));
  t.is((crash as { code?: string }).code, 'internal');
  const unknown = await t.throwsAsync(pool.call(address, 'nope', null));
  t.is((unknown as { code?: string }).code, 'bad_request');
  t.deepEqual(await pool.call(address, 'echo', 'still fine'), 'still fine');
});

test('a call times out on the injected clock, leaves nothing pending, and a late reply is ignored', async (t) => {
  const { address } = await startServer(t);
  const clock = new ManualClock();
  const pool = newPool(t, {}, clock);
  const connection = await pool.connection(address);
  const late = connection.call('sleep', { ms: 50, value: 'late' }, { timeoutMs: 1_000 });
  const hanging = connection.call('hang', null, { timeoutMs: 5_000 });
  t.is(connection.pendingCalls(), 2);
  clock.advance(1_000);
  const error = await t.throwsAsync(late);
  t.true(isWireError(error) && error.failure === 'timeout');
  t.is(connection.pendingCalls(), 1);
  await new Promise((resolve) => setTimeout(resolve, 80)); // the late reply arrives and is dropped
  clock.advance(4_000);
  t.like(await t.throwsAsync(hanging), { failure: 'timeout' });
  t.is(connection.pendingCalls(), 0);
  t.is(clock.pendingTimers(), 0);
  t.is(await connection.call('echo', 1, { timeoutMs: 1_000 }), 1);
});

test('an oversized outgoing call is refused at once; an oversized reply becomes payload_too_large', async (t) => {
  const { address } = await startServer(t, { frameBytesMax: 10_000 });
  const pool = newPool(t, { frameBytesMax: 10_000 });
  const tooBig = await t.throwsAsync(pool.call(address, 'echo', Buffer.alloc(20_000)));
  t.like(tooBig, { failure: 'frame_too_large', code: 'payload_too_large' });
  const bigReply = await t.throwsAsync(pool.call(address, 'big', 20_000));
  t.like(bigReply, { code: 'payload_too_large' });
  t.is(await pool.call(address, 'echo', 'ok'), 'ok');
});

test('a peer announcing a frame over the limit is disconnected with a goaway naming the limit', async (t) => {
  const { address, server } = await startServer(t, { frameBytesMax: 10_000 });
  const pool = newPool(t, { frameBytesMax: 1 << 20 });
  const connection = await pool.connection(address);
  const pending = connection.call('hang', null);
  const error = await t.throwsAsync(connection.call('echo', Buffer.alloc(50_000)));
  t.like(error, { code: 'payload_too_large' });
  t.regex(error?.message ?? '', /over the 10000-byte limit/);
  t.like(await t.throwsAsync(pending), { code: 'payload_too_large' });
  t.true(await eventually(() => server.connectionCount() === 0));
});

test('a peer that disappears mid-call rejects every pending call and leaks nothing; redialing the gone server fails with connect_failed', async (t) => {
  const { address, server } = await startServer(t);
  const pool = newPool(t);
  const connection = await pool.connection(address);
  t.is(await connection.call('echo', 'handshake done'), 'handshake done');
  const calls = Array.from({ length: 20 }, () => connection.call('hang', null));
  await server.close();
  for (const call of calls) t.like(await t.throwsAsync(call), { failure: 'closed' });
  t.is(connection.pendingCalls(), 0);
  t.true(connection.isClosed());
  t.like(await t.throwsAsync(pool.call(address, 'echo', 1)), { failure: 'connect_failed' });
});

test('unknown protocol or version is refused with handshake_rejected; silence times out; garbage is a protocol error', async (t) => {
  const { address, server } = await startServer(t, { handshakeTimeoutMs: 100 });
  const wrongProtocol = newPool(t, { protocol: 'gossip' });
  t.like(await t.throwsAsync(wrongProtocol.call(address, 'echo', 1)), { failure: 'handshake_rejected', code: 'bad_request' });
  const wrongVersion = newPool(t, { version: 9 });
  const versionError = await t.throwsAsync(wrongVersion.call(address, 'echo', 1));
  t.regex(versionError?.message ?? '', /version 9 not supported/);

  const { port } = server.address();
  const silent = connect(port, '127.0.0.1');
  const silentClosed = new Promise((resolve) => silent.on('close', resolve));
  const received: Buffer[] = [];
  silent.on('data', (chunk: Buffer) => received.push(chunk));
  await silentClosed;
  t.regex(Buffer.concat(received).toString('latin1'), /no hello within 100 ms/);

  const rude = connect(port, '127.0.0.1');
  rude.write(encodeFrame(toWire({ type: 'request', id: 1, method: 'echo', body: 1 }), 1000) ?? Buffer.alloc(0));
  const rudeData: Buffer[] = [];
  rude.on('data', (chunk: Buffer) => rudeData.push(chunk));
  await new Promise((resolve) => rude.on('close', resolve));
  t.regex(Buffer.concat(rudeData).toString('latin1'), /expected hello, got request/);
  t.true(await eventually(() => server.connectionCount() === 0));
});

test('the pending-call cap refuses calls beyond it with rate_limited', async (t) => {
  const { address } = await startServer(t);
  const pool = newPool(t, { pendingCallsMax: 3 });
  const connection = await pool.connection(address);
  const hanging = [connection.call('hang', null), connection.call('hang', null), connection.call('hang', null)];
  t.like(await t.throwsAsync(connection.call('echo', 1)), { failure: 'pending_cap', code: 'rate_limited' });
  connection.close();
  for (const call of hanging) await t.throwsAsync(call);
});

test('one-way messages arrive in order; over the high-water mark send() refuses until drained', async (t) => {
  const { address, received } = await startServer(t);
  const pool = newPool(t, { sendHighWaterBytes: 64 * 1024 });
  t.is(pool.send(address, 'append', 0), 'not_connected');
  const connection = await pool.connection(address);
  for (let k = 1; k <= 100; k++) t.is(pool.send(address, 'append', k), 'sent');
  t.true(await eventually(() => received.messages.length === 100));
  t.deepEqual(received.messages.map((m) => m.body), Array.from({ length: 100 }, (_, k) => k + 1));
  let outcome = 'sent';
  let sent = 0;
  for (; sent < 1000 && outcome === 'sent'; sent++) outcome = connection.send('append', Buffer.alloc(16 * 1024));
  t.is(outcome, 'over_high_water');
  t.true(connection.isOverHighWater());
  await connection.whenDrained();
  t.false(connection.isOverHighWater());
  t.is(connection.send('append', 'after drain'), 'sent');
  t.true(await eventually(() => received.messages.at(-1)?.body === 'after drain'));
});

test('the server can call back over a connection the client dialed (handlers on the dialer)', async (t) => {
  const { address, received } = await startServer(t);
  const pool = newPool(t, { handlers: { call: (method, body) => Promise.resolve({ method, body }), message: () => undefined } });
  pool.send(address, 'hi', 0);
  await pool.connection(address);
  t.is(pool.send(address, 'hi', 1), 'sent');
  t.true(await eventually(() => received.messages.length > 0));
  const serverSide = received.messages[0]?.connection;
  t.deepEqual(await serverSide?.call('ping', 5), { method: 'ping', body: 5 });
});
