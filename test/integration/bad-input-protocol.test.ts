// Goal: abuse at the HTTP protocol level does not take the agent down or starve other clients: a
// header block over 16 KiB is refused (431, or the connection closed); clients that trickle
// headers and never finish do not block others; clients that hang up in the middle of a blocking
// query leave no error behind and do not disturb later queries; and a client IP over Consul's
// default cap of 200 connections gets a 429 answer on the extra connections, not a silent drop,
// while its first connections keep working.
// Method: a real dev agent per test; raw sockets (node:net) for the misbehaving clients, undici
// for the well-behaved ones; every wait has a deadline.

import { connect, type Socket } from 'node:net';
import test from 'ava';
import { assertAlive, type Fixture, seeded, snapshot, startSeededAgent, waitFor } from './bad-input-helpers.js';

const perClientConnectionsMax = 200;

function openSocket(fixture: Fixture): Promise<Socket> {
  const [host, port] = fixture.agent.httpAddress.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects everything the server sends on `socket` until it closes it (or `deadlineMs` passes). */
function readUntilClose(socket: Socket, deadlineMs = 10_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve({ text, closed: false }), deadlineMs);
    socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

/** One request on an open socket; resolves with the status line once a full response arrived. */
function requestOn(socket: Socket, path: string, deadlineMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => done(new Error(`no answer on ${path} within ${deadlineMs} ms: ${JSON.stringify(text)}`)), deadlineMs);
    const onData = (data: Buffer): void => {
      text += data.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
      if (split !== -1 && length?.[1] !== undefined && text.length >= split + 4 + Number(length[1])) done();
    };
    const onClose = (): void => done(new Error(`connection closed on ${path}: ${JSON.stringify(text)}`));
    function done(error?: Error): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error === undefined) resolve(text.slice(0, text.indexOf('\r\n')));
      else reject(error);
    }
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: agent\r\n\r\n`);
  });
}

test('a header block over 16 KiB is refused with 431 or a closed connection; the agent lives on', async (t) => {
  const fixture = await startSeededAgent(t);
  const before = await snapshot(fixture);
  const heads = [
    `GET /v1/agent/self HTTP/1.1\r\nHost: agent\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    `PUT /v1/agent/service/deregister/${seeded.serviceId} HTTP/1.1\r\nHost: agent\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: vvvvvvvv\r\n`).join('')}\r\n`,
    `GET /v1/catalog/service/${'a'.repeat(20 * 1024)} HTTP/1.1\r\nHost: agent\r\n\r\n`,
    // Never ends: the server must give up on its own, not wait for the blank line.
    `GET /v1/agent/self HTTP/1.1\r\nHost: agent\r\nX-Big: ${'a'.repeat(64 * 1024)}`,
  ];
  for (const head of heads) {
    const socket = await openSocket(fixture);
    const answer = readUntilClose(socket);
    socket.write(head);
    const { text, closed } = await answer;
    socket.destroy();
    t.true(closed || text !== '', 'the server neither answered nor closed the connection');
    if (text !== '') t.regex(text, /^HTTP\/1\.1 431 /, `answer: ${text.slice(0, 200)}`);
    await assertAlive(t, fixture, 'an oversized header block');
  }
  t.deepEqual(await snapshot(fixture), before);
});

test('clients that send headers slowly and never finish do not stop the agent serving others', async (t) => {
  const fixture = await startSeededAgent(t);
  const before = await snapshot(fixture);
  const slow = await Promise.all(Array.from({ length: 50 }, () => openSocket(fixture)));
  for (const socket of slow) {
    socket.on('error', () => undefined);
    socket.write(`PUT /v1/agent/service/deregister/${seeded.serviceId} HTTP/1.1\r\nHost: agent\r\n`);
  }
  // Keep trickling a header byte at a time while the others are served.
  let dripping = true;
  const drip = (async () => {
    for (let i = 0; dripping; i++) {
      for (const socket of slow) if (!socket.destroyed) socket.write(i % 2 === 0 ? 'X' : '-');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    for (let round = 0; round < 20; round++) {
      const started = Date.now();
      const replies = await Promise.all([
        fixture.send({ method: 'GET', path: '/v1/agent/self' }),
        fixture.send({ method: 'GET', path: `/v1/health/service/${seeded.serviceName}` }),
        fixture.send({ method: 'PUT', path: `/v1/agent/check/pass/${seeded.ttlCheckId}?note=ok` }),
      ]);
      t.deepEqual(
        replies.map((reply) => reply.status),
        [200, 200, 200],
      );
      t.true(Date.now() - started < 3_000, `round ${round} took ${Date.now() - started} ms`);
    }
  } finally {
    dripping = false;
    await drip;
    for (const socket of slow) socket.destroy();
  }
  await assertAlive(t, fixture, 'slow header clients');
  // The unfinished deregistrations never happened.
  t.deepEqual(await snapshot(fixture), before);
});

test('clients that hang up in the middle of blocking queries leave no error, and later blocking queries still wake', async (t) => {
  const fixture = await startSeededAgent(t);
  const index = (await fixture.send({ method: 'GET', path: '/v1/catalog/services' })).headers['x-consul-index'];
  const hash = JSON.parse((await fixture.send({ method: 'GET', path: `/v1/agent/service/${seeded.serviceId}` })).text) as { ContentHash: string };
  const blockingPaths = [
    `/v1/catalog/services?index=${String(index)}&wait=5m`,
    `/v1/health/service/${seeded.serviceName}?index=${String(index)}&wait=5m`,
    `/v1/catalog/nodes?index=${String(index)}&wait=5m`,
    `/v1/agent/service/${seeded.serviceId}?hash=${hash.ContentHash}&wait=5m`,
  ];
  for (let round = 0; round < 5; round++) {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => openSocket(fixture)));
    sockets.forEach((socket, i) => {
      socket.on('error', () => undefined);
      socket.write(`GET ${blockingPaths[i % blockingPaths.length] ?? '/'} HTTP/1.1\r\nHost: agent\r\n\r\n`);
    });
    // A request sent after the blocking ones and answered means they were read and are waiting.
    t.is((await fixture.send({ method: 'GET', path: '/v1/agent/self' })).status, 200);
    for (const socket of sockets) socket.destroy();
  }
  await assertAlive(t, fixture, 'abandoned blocking queries');

  // A fresh blocking query still wakes on a change, and answers with the change.
  const watcher = fixture.send({ method: 'GET', path: `/v1/catalog/services?index=${String(index)}&wait=30s` });
  const register = await fixture.send({ method: 'PUT', path: '/v1/agent/service/register', body: JSON.stringify({ Name: 'after', Port: 1 }) });
  t.is(register.status, 200);
  const woke = await watcher;
  t.is(woke.status, 200);
  t.true('after' in (JSON.parse(woke.text) as Record<string, unknown>));
  t.true(Number(woke.headers['x-consul-index']) > Number(index));

  // Nothing in this test is the agent's fault, so nothing it printed may be an error.
  const logged = fixture.agent.output();
  t.notRegex(logged, /\[ERROR\]|\bError\b|\n\s+at /, `agent logged errors:\n${logged}`);
});

test(`connections over the per-client cap of ${perClientConnectionsMax} get a 429 answer and the first ones keep working`, async (t) => {
  const fixture = await startSeededAgent(t);
  // The fixture's pool holds connections of its own from the same IP: close them first.
  await fixture.pool.close();
  const [host, port] = fixture.agent.httpAddress.split(':') as [string, string];
  const sockets: Socket[] = [];
  const answers: Promise<{ text: string; closed: boolean }>[] = [];
  try {
    for (let i = 0; i < 300; i++) {
      const socket = connect(Number(port), host);
      socket.on('error', () => undefined);
      sockets.push(socket);
      answers.push(readUntilClose(socket, 60_000));
    }
    const rejected = new Set<number>();
    const texts = new Map<number, string>();
    answers.forEach((answer, i) =>
      void answer.then(({ text, closed }) => {
        if (closed) {
          rejected.add(i);
          texts.set(i, text);
        }
      }),
    );
    await waitFor('100 connections answered and closed', () => Promise.resolve(rejected.size >= 100));
    // Every refused connection was told why: a complete 429 with a plain-text reason.
    for (const i of rejected) {
      const text = texts.get(i) ?? '';
      t.regex(text, /^HTTP\/1\.1 429 /, `connection ${i}: ${JSON.stringify(text.slice(0, 200))}`);
      t.regex(text, /\r\ncontent-type: text\/plain\b/i, `connection ${i}`);
      t.regex(text, /\r\n\r\n.*too many.*connections/i, `connection ${i}`);
    }
    // The 200 admitted connections all still work (the refused count stays at 100).
    const admitted = sockets.filter((_, i) => !rejected.has(i));
    t.is(admitted.length, perClientConnectionsMax);
    const statuses = await Promise.all(admitted.map((socket) => requestOn(socket, '/v1/agent/self')));
    t.deepEqual([...new Set(statuses)], ['HTTP/1.1 200 OK']);
    t.is(rejected.size, 100);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  // Once they are gone, the client is welcome again.
  await waitFor('a new connection admitted', async () => {
    const socket = await openSocket(fixture);
    try {
      return (await requestOn(socket, '/v1/agent/self')) === 'HTTP/1.1 200 OK';
    } catch {
      return false;
    } finally {
      socket.destroy();
    }
  });
  t.is(fixture.agent.child.exitCode, null);
});
