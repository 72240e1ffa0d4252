// Goal: bufferedBody behaves as an ordinary Readable (read, pipe, destroy, 'close' always) and
// bufferedBytes hands its bytes over exactly once, only while nothing has been read. Method: direct calls.

import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { bufferedBody, bufferedBytes } from '../../../src/proxy/l7/h1/buffered-body.js';

const closed = (body: Readable) => new Promise<void>((resolve) => body.once('close', () => resolve()));

test('reads like any Readable: async iteration, pipe, then close', async (t) => {
  const parts: Buffer[] = [];
  const body = bufferedBody(Buffer.from('hello'));
  const closing = closed(body);
  for await (const part of body) parts.push(part as Buffer);
  await closing;
  t.is(Buffer.concat(parts).toString(), 'hello');
  const sink = new PassThrough();
  const collected: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => collected.push(chunk));
  await pipeline(bufferedBody(Buffer.from('piped')), sink);
  t.is(Buffer.concat(collected).toString(), 'piped');
  const empty = bufferedBody(Buffer.alloc(0));
  const emptyClosed = closed(empty);
  empty.resume();
  await emptyClosed;
  t.pass();
});

test('bufferedBytes: the bytes once, while unread; never for other Readables; destroy still closes', async (t) => {
  const body = bufferedBody(Buffer.from('abc'));
  t.is(bufferedBytes(body)?.toString(), 'abc');
  t.is(bufferedBytes(body), undefined);
  const closing = closed(body);
  body.destroy();
  await closing;
  t.is(bufferedBytes(Readable.from([Buffer.from('x')])), undefined);
  const read = bufferedBody(Buffer.from('abc'));
  read.read();
  t.is(bufferedBytes(read), undefined);
  const destroyed = bufferedBody(Buffer.from('abc'));
  destroyed.destroy();
  t.is(bufferedBytes(destroyed), undefined);
});
