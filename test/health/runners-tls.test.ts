// Goal: the TLS options of HTTP, TCP, gRPC and H2PING checks work against real TLS servers — a self-signed
// certificate fails verification unless TLSSkipVerify, and TLSServerName is sent as SNI. Method:
// a throwaway self-signed certificate made with openssl in a temp dir, real https/tls/gRPC servers
// on 127.0.0.1:0. Skipped (with a note) where openssl is missing.

import test from 'ava';
import { Server as GrpcServer, ServerCredentials } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer as createH2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { grpcRunner } from '../../src/health/runners/grpc.js';
import { h2pingRunner } from '../../src/health/runners/h2ping.js';
import { httpRunner } from '../../src/health/runners/http.js';
import type { CheckRunner } from '../../src/health/runners/runner.js';
import { tcpRunner } from '../../src/health/runners/tcp.js';
import { type CheckDefinition, checkDefinitionSchema } from '../../src/structs/check.js';
import { zeroValue } from '../../src/structs/schema.js';

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'taxiway-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=check.test', '-addext', 'subjectAltName=DNS:check.test'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// openssl makes the certificate; .ci/run installs it where it is missing, so these always run.
const pair = selfSigned();

const definition = (fields: Partial<CheckDefinition>): CheckDefinition => ({ ...zeroValue(checkDefinitionSchema), Interval: 1000, ...fields });

async function runWith(runner: CheckRunner) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 3000);
  try {
    return await runner.run(abort.signal);
  } finally {
    clearTimeout(timer);
    await runner.close();
  }
}

test('HTTPS: self-signed fails verification; TLSSkipVerify passes; TLSServerName is the SNI', async (t) => {
  const servernames: (string | false | null)[] = [];
  const server = createHttpsServer({ ...pair }, (request, response) => {
    servernames.push((request.socket as TLSSocket).servername);
    response.end('secure');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const strict = await runWith(httpRunner(definition({ HTTP: url }), 4096, 2000));
  t.is(strict.status, 'critical');
  t.regex(strict.output, /self[- ]signed/i);
  const skipped = await runWith(httpRunner(definition({ HTTP: url, TLSSkipVerify: true, TLSServerName: 'check.test' }), 4096, 2000));
  t.is(skipped.status, 'passing', skipped.output);
  t.deepEqual(servernames, ['check.test']);
});

test('TCP with TLS: the handshake must succeed; TLSSkipVerify accepts a self-signed certificate', async (t) => {
  const server = createTlsServer({ ...pair }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.is((await runWith(tcpRunner(definition({ TCP: address, TCPUseTLS: true })))).status, 'critical');
  t.deepEqual(await runWith(tcpRunner(definition({ TCP: address, TCPUseTLS: true, TLSSkipVerify: true }))), { status: 'passing', output: `TCP+TLS connect ${address}: Success` });
});

test('gRPC with TLS: GRPCUseTLS + TLSSkipVerify reaches a TLS health server; without skip it is critical', async (t) => {
  const server = new GrpcServer();
  server.register('/grpc.health.v1.Health/Check', (_call: unknown, callback: (error: null, value: number) => void) => callback(null, 1), (status: number) => Buffer.from([0x08, status]), () => ({}), 'unary');
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createSsl(null, [{ private_key: pair.key, cert_chain: pair.cert }]), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  t.teardown(() => server.forceShutdown());
  const address = `127.0.0.1:${port}`;
  t.deepEqual(await runWith(grpcRunner(definition({ GRPC: address, GRPCUseTLS: true, TLSSkipVerify: true }))), { status: 'passing', output: `gRPC check ${address}: success` });
  t.is((await runWith(grpcRunner(definition({ GRPC: address, GRPCUseTLS: true })))).status, 'critical');
});

test('H2PING over TLS: H2PingUseTLS + TLSSkipVerify pings an h2 server; without skip it is critical', async (t) => {
  const server = createH2SecureServer({ ...pair });
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const session of sessions) session.destroy();
    server.close();
  });
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.deepEqual(await runWith(h2pingRunner(definition({ H2PING: address, H2PingUseTLS: true, TLSSkipVerify: true }))), { status: 'passing', output: 'HTTP2 ping was successful' });
  t.is((await runWith(h2pingRunner(definition({ H2PING: address, H2PingUseTLS: true })))).status, 'critical');
});
