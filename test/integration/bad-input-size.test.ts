// Goal: request bodies over the 512 KiB limit (raft's suggested entry size, which Consul's writes
// live under) are refused with 413 and a one-line message, whether they announce their length, are
// chunked, or are huge; a body at the limit is still read; the agent neither crashes nor hangs and
// its state does not change, also under many such requests at once.
// Method: a real dev agent per test, seeded with a known state; bodies sent with undici and, where
// the server may answer before the upload ends, over a raw socket; every step has a deadline.

import { connect } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { assertAlive, type Case, expectAllRejected, type Fixture, replyProblems, seeded, snapshot, startSeededAgent } from './bad-input-helpers.js';

const bodyBytesMax = 512 * 1024;
const jsonEndpoints = ['/v1/agent/service/register', '/v1/agent/check/register', '/v1/catalog/register', '/v1/catalog/deregister', `/v1/agent/check/update/${seeded.ttlCheckId}`];
const tooLarge = /^Request body.*too large.*\b524288\b/;

/** A JSON object of exactly `bytes` bytes that would be a valid registration of web-1. */
function paddedRegistration(bytes: number): Buffer {
  const head = `{"Name":"${seeded.serviceName}","ID":"${seeded.serviceId}","Port":1,"Meta":{"pad":"`;
  const tail = '"}}';
  return Buffer.from(head + 'x'.repeat(bytes - head.length - tail.length) + tail);
}

interface RawExchange {
  /** Everything the server sent, interim 1xx responses removed. */
  readonly response: string;
  /** The connection ended (closed or reset by the server) rather than being left open. */
  readonly closed: boolean;
}

/**
 * Writes `head`, then streams `bodyBytes` of filler (chunked or not) over a raw socket until the
 * server answers or closes, and resolves with what it said; rejects only if the server neither
 * answers nor closes within `deadlineMs` (a hang). A raw socket because the server may answer and
 * close before the upload ends, which HTTP clients report as an error instead of the answer.
 */
function rawExchange(fixture: Fixture, head: string, bodyBytes: number, chunked: boolean, deadlineMs = 10_000): Promise<RawExchange> {
  const [host, port] = fixture.agent.httpAddress.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host);
    let received = '';
    let sent = 0;
    const finalResponse = (): string => received.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`neither answer nor close within ${deadlineMs} ms after ${sent} body bytes: ${JSON.stringify(received.slice(0, 200))}`));
    }, deadlineMs);
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ response: finalResponse(), closed });
    };
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = (): void => {
      while (finalResponse() === '' && sent < bodyBytes && !socket.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
        sent += piece.length;
        const framed = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
        if (!socket.write(framed)) return void socket.once('drain', pump);
      }
      if (chunked && sent >= bodyBytes && !socket.destroyed) socket.write('0\r\n\r\n');
    };
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      const response = finalResponse();
      const split = response.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(response.slice(0, split));
      if (split !== -1 && length?.[1] !== undefined && response.length >= split + 4 + Number(length[1])) finish(false);
    });
    // A reset while we still upload is the server giving up on the body; what it said counts.
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

/** The response is a 413 with a one-line plain-text reason. */
function assert413(t: ExecutionContext, response: string, label: string): void {
  const split = response.indexOf('\r\n\r\n');
  const head = response.slice(0, split);
  const body = response.slice(split + 4);
  t.regex(head, /^HTTP\/1\.1 413 /, `${label}: status line: ${JSON.stringify(response.slice(0, 200))}`);
  t.regex(head, /\r\ncontent-type: text\/plain\b/i, `${label}: Content-Type`);
  t.regex(body, tooLarge, `${label}: body`);
  t.false(/[\r\n]/.test(body.replace(/\n$/, '')), `${label}: body is not one line`);
}

test('a body just over 512 KiB is 413 on every JSON endpoint; one at the limit is still read', async (t) => {
  const fixture = await startSeededAgent(t);
  // Exactly at the limit the body is read and judged on its content: here, JSON cut short.
  const atLimit = Buffer.concat([Buffer.from('{"Name":'), Buffer.alloc(bodyBytesMax - 8, ' ')]);
  t.is(atLimit.length, bodyBytesMax);
  await expectAllRejected(t, fixture, [
    ...jsonEndpoints.flatMap((path): Case[] => [
      { call: { method: 'PUT', path, body: paddedRegistration(bodyBytesMax + 1) }, status: 413, message: tooLarge },
      { call: { method: 'PUT', path, body: paddedRegistration(bodyBytesMax + 100 * 1024) }, status: 413, message: tooLarge },
    ]),
    { call: { method: 'PUT', path: '/v1/agent/service/register', body: atLimit }, status: 400, message: /^Request decode failed: / },
  ]);
});

test('an oversized body announced by Content-Length is refused with 413 before it is sent', async (t) => {
  const fixture = await startSeededAgent(t);
  const path = '/v1/agent/service/register';
  const cases: readonly [string, string][] = [
    ['Content-Length 600 KiB, body never sent', `PUT ${path} HTTP/1.1\r\nHost: agent\r\nContent-Length: ${600 * 1024}\r\n\r\n`],
    ['Content-Length 10 GiB with Expect: 100-continue', `PUT ${path} HTTP/1.1\r\nHost: agent\r\nContent-Length: ${10 * 1024 ** 3}\r\nExpect: 100-continue\r\n\r\n`],
    ['Content-Length 2^53', `PUT /v1/catalog/register HTTP/1.1\r\nHost: agent\r\nContent-Length: ${2 ** 53}\r\n\r\n`],
  ];
  for (const [label, head] of cases) {
    const before = await snapshot(fixture);
    assert413(t, (await rawExchange(fixture, head, 0, false)).response, label);
    await assertAlive(t, fixture, label);
    t.deepEqual(await snapshot(fixture), before, `${label}: state changed`);
  }
});

test('oversized bodies that are streamed (chunked, or under a huge Content-Length) are cut off promptly', async (t) => {
  const fixture = await startSeededAgent(t);
  const path = '/v1/agent/check/register';
  const cases: readonly [string, string, number, boolean][] = [
    ['chunked, 1 MiB', `PUT ${path} HTTP/1.1\r\nHost: agent\r\nTransfer-Encoding: chunked\r\n\r\n`, 1024 * 1024, true],
    ['chunked, 8 MiB', `PUT ${path} HTTP/1.1\r\nHost: agent\r\nTransfer-Encoding: chunked\r\n\r\n`, 8 * 1024 * 1024, true],
    ['Content-Length 10 GiB, 4 MiB streamed', `PUT ${path} HTTP/1.1\r\nHost: agent\r\nContent-Length: ${10 * 1024 ** 3}\r\n\r\n`, 4 * 1024 * 1024, false],
  ];
  for (const [label, head, bytes, chunked] of cases) {
    const before = await snapshot(fixture);
    const { response, closed } = await rawExchange(fixture, head, bytes, chunked);
    // The server stops reading at the limit. A client still writing then may see the connection
    // reset before it reads the 413 (TCP drops unread data on a reset), so the answer is required
    // only when it arrived; what is always required is an end: no connection left hanging.
    if (response === '') t.true(closed, `${label}: no answer and connection not closed`);
    else assert413(t, response, label);
    await assertAlive(t, fixture, label);
    t.deepEqual(await snapshot(fixture), before, `${label}: state changed`);
  }
});

test('a 64 MiB upload neither crashes nor stalls the agent', async (t) => {
  const fixture = await startSeededAgent(t);
  const before = await snapshot(fixture);
  const head = `PUT /v1/catalog/register HTTP/1.1\r\nHost: agent\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`;
  const upload = rawExchange(fixture, head, 64 * 1024 * 1024, false);
  // While the upload runs, others are served.
  const self = await fixture.send({ method: 'GET', path: '/v1/agent/self' });
  t.is(self.status, 200);
  const { response, closed } = await upload;
  if (response === '') t.true(closed);
  else assert413(t, response, '64 MiB upload');
  await assertAlive(t, fixture, '64 MiB upload');
  t.deepEqual(await snapshot(fixture), before);
});

test('100 oversized requests at once all get 413 and the agent stays up and unchanged', async (t) => {
  const fixture = await startSeededAgent(t);
  const before = await snapshot(fixture);
  const body = paddedRegistration(bodyBytesMax + 4096);
  const replies = await Promise.all(
    Array.from({ length: 100 }, (_, i) => {
      const path = jsonEndpoints[i % jsonEndpoints.length] ?? '/v1/agent/service/register';
      return fixture.send({ method: 'PUT', path, body }).then((reply) => ({ path, reply }));
    }),
  );
  t.deepEqual(
    replies.flatMap(({ path, reply }) => replyProblems(reply, { status: 413, message: tooLarge }, `PUT ${path} (concurrent)`)),
    [],
  );
  await assertAlive(t, fixture, '100 concurrent oversized requests');
  t.deepEqual(await snapshot(fixture), before);
});
