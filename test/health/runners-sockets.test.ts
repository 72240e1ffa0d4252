// Goal: the TCP, UDP, gRPC and H2PING runners report what real servers do — up, refused, silent,
// not serving, hung — and end at the timeout without leaking. Method: real servers on
// 127.0.0.1:0 (servers.ts), one run per case with an AbortSignal as the timeout.

import test from 'ava';
import { grpcRunner, parseGrpcTarget } from '../../src/health/runners/grpc.js';
import { h2pingRunner } from '../../src/health/runners/h2ping.js';
import type { CheckRunner } from '../../src/health/runners/runner.js';
import { tcpRunner } from '../../src/health/runners/tcp.js';
import { udpRunner } from '../../src/health/runners/udp.js';
import { type CheckDefinition, checkDefinitionSchema } from '../../src/structs/check.js';
import { zeroValue } from '../../src/structs/schema.js';
import { closedPort, startGrpcBackend, startH2Backend, startTcpBackend, startUdpBackend } from './servers.js';

const definition = (fields: Partial<CheckDefinition>): CheckDefinition => ({ ...zeroValue(checkDefinitionSchema), Interval: 1000, ...fields });

async function runWith(runner: CheckRunner, timeoutMs = 1000) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    return await runner.run(abort.signal);
  } finally {
    clearTimeout(timer);
  }
}

test('TCP: open port passing; closed port critical; bad address critical', async (t) => {
  const backend = await startTcpBackend(t);
  const runner = tcpRunner(definition({ TCP: backend.address }));
  t.deepEqual(await runWith(runner), { status: 'passing', output: `TCP connect ${backend.address}: Success` });
  await backend.setListening(false);
  const refused = await runWith(runner);
  t.is(refused.status, 'critical');
  t.regex(refused.output, /ECONNREFUSED/);
  await backend.setListening(true);
  t.is((await runWith(runner)).status, 'passing');
  t.is((await runWith(tcpRunner(definition({ TCP: 'no-port-here' })))).status, 'critical');
});

test('TCP: an unroutable address is critical at the timeout', async (t) => {
  // 192.0.2.0/24 is TEST-NET-1: never routed, so the connect hangs (or fails at once without a route).
  const result = await runWith(tcpRunner(definition({ TCP: '192.0.2.1:9' })), 200);
  t.is(result.status, 'critical');
});

test('UDP: an echo is passing, silence is passing (Consul), an unreachable port is critical', async (t) => {
  const backend = await startUdpBackend(t);
  const runner = udpRunner(definition({ UDP: backend.address }));
  t.deepEqual(await runWith(runner), { status: 'passing', output: `UDP connect ${backend.address}: Success` });
  backend.answering = false;
  t.deepEqual(await runWith(runner, 200), { status: 'passing', output: `UDP response timed out: ${backend.address}` });
  await backend.unbind();
  const refused = await runWith(runner);
  t.is(refused.status, 'critical');
  t.regex(refused.output, /ECONNREFUSED/);
});

test('gRPC: target parsing with and without a service suffix', (t) => {
  t.deepEqual(parseGrpcTarget('127.0.0.1:50051'), { address: '127.0.0.1:50051', service: '' });
  t.deepEqual(parseGrpcTarget('127.0.0.1:50051/my.Service'), { address: '127.0.0.1:50051', service: 'my.Service' });
});

test('gRPC: SERVING passing, NOT_SERVING critical, service suffix asked for, unknown service critical', async (t) => {
  const backend = await startGrpcBackend(t);
  backend.statuses.set('billing', 2);
  const server = grpcRunner(definition({ GRPC: backend.address }));
  const billing = grpcRunner(definition({ GRPC: `${backend.address}/billing` }));
  const unknown = grpcRunner(definition({ GRPC: `${backend.address}/nope` }));
  t.teardown(async () => Promise.all([server.close(), billing.close(), unknown.close()]).then(() => undefined));
  t.deepEqual(await runWith(server), { status: 'passing', output: `gRPC check ${backend.address}: success` });
  t.deepEqual(await runWith(billing), { status: 'critical', output: `gRPC ${backend.address}/billing serving status: NOT_SERVING` });
  backend.statuses.set('billing', 1);
  t.is((await runWith(billing)).status, 'passing');
  const missing = await runWith(unknown);
  t.is(missing.status, 'critical');
  t.regex(missing.output, /unknown service/);
});

test('gRPC: a server that never answers is critical at the timeout; a closed port critical', async (t) => {
  const backend = await startGrpcBackend(t);
  backend.hang = true;
  const runner = grpcRunner(definition({ GRPC: backend.address }));
  const started = Date.now();
  const hung = await runWith(runner, 300);
  t.is(hung.status, 'critical');
  t.true(Date.now() - started < 2000);
  await runner.close();
  const closed = grpcRunner(definition({ GRPC: `127.0.0.1:${await closedPort()}` }));
  t.is((await runWith(closed)).status, 'critical');
  await closed.close();
});

test('H2PING: an h2c server answers the ping; a closed port is critical', async (t) => {
  const backend = await startH2Backend(t);
  t.deepEqual(await runWith(h2pingRunner(definition({ H2PING: backend.address, H2PingUseTLS: false }))), { status: 'passing', output: 'HTTP2 ping was successful' });
  const closed = await runWith(h2pingRunner(definition({ H2PING: `127.0.0.1:${await closedPort()}`, H2PingUseTLS: false })));
  t.is(closed.status, 'critical');
});
