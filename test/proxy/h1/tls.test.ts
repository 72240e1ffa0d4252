// Goal: the codec works on TLS sockets as the mesh hands them over (already-handshaken TLSSocket
// Duplexes): serveH1 answers and hands an upgrade to a node:http server with its bytes put back;
// H1Pool reuses a TLS connection to an https upstream. Method: a throwaway self-signed pair
// (openssl), TLS servers and clients on loopback.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import test, { type ExecutionContext } from 'ava';
import { SystemClock } from '../../../src/lib/clock.js';
import { bufferedBody, bufferedBytes } from '../../../src/proxy/l7/h1/buffered-body.js';
import { H1Pool } from '../../../src/proxy/l7/h1/pool.js';
import { serveH1 } from '../../../src/proxy/l7/h1/server.js';
import { waitFor } from './sockets.js';

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'h1-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=h1.test'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pair = selfSigned();

function dialTls(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function listening(t: ExecutionContext, server: import('node:net').Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

test('serveH1 on TLS sockets: an answer, then an upgrade handed to node:http with its bytes', async (t) => {
  const http = createHttpServer();
  http.on('upgrade', (request, socket, head) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n${request.url} ${head.toString()}|`);
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
  });
  const sockets = new Set<TLSSocket>();
  const server = createTlsServer({ key: pair.key, cert: pair.cert }, (socket) => {
    sockets.add(socket);
    serveH1(socket, { clock: new SystemClock(), onHandoff: (handed) => http.emit('connection', handed), handler: (request) => Promise.resolve({ status: 200, headers: {}, body: bufferedBody(Buffer.from(`tls ${request.target}`)) }) });
  });
  t.teardown(() => sockets.forEach((socket) => socket.destroy()));
  const port = await listening(t, server);
  const client = await dialTls(port);
  t.teardown(() => client.destroy());
  let received = '';
  client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  client.write('GET /a HTTP/1.1\r\nHost: h\r\n\r\n');
  await waitFor(() => received.endsWith('tls /a'), 'answer over TLS');
  client.write('GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\nearly');
  await waitFor(() => received.endsWith('/ws early|'), 'upgrade with early bytes');
  client.write('ping');
  await waitFor(() => received.endsWith('ping'), 'echo after upgrade');
  t.pass();
});

test('H1Pool over TLS to an https upstream: reuse and a streamed body', async (t) => {
  let connections = 0;
  const upstream = createHttpsServer({ key: pair.key, cert: pair.cert }, (request, response) => response.end(request.url === '/big' ? Buffer.alloc(1024 * 1024, 1) : 'small'));
  upstream.on('secureConnection', () => connections++);
  t.teardown(() => upstream.closeAllConnections());
  const port = await listening(t, upstream);
  const pool = new H1Pool({ dial: () => dialTls(port), connectionsMax: 2, clock: new SystemClock() });
  t.teardown(() => pool.destroy());
  const signal = () => new AbortController().signal;
  t.is(bufferedBytes((await pool.request({ method: 'GET', path: '/', headers: { host: 'h' }, body: Buffer.alloc(0) }, signal())).body)?.toString(), 'small');
  const big = await pool.request({ method: 'GET', path: '/big', headers: { host: 'h' }, body: Buffer.alloc(0) }, signal());
  let total = 0;
  for await (const part of big.body) total += (part as Buffer).length;
  t.is(total, 1024 * 1024);
  t.is(bufferedBytes((await pool.request({ method: 'GET', path: '/', headers: { host: 'h' }, body: Buffer.alloc(0) }, signal())).body)?.toString(), 'small');
  t.is(connections, 1);
});
