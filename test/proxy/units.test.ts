// Goal: the proxy's pure pieces behave exactly: SPIFFE identity checks on peer certificates, the
// round-robin picker, flag parsing, watch backoff; and splice() keeps half-closed streams open and
// tears both sides down on a reset. Method: table tests; splice over real loopback sockets.

import { createServer, connect, type Socket } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import test, { type ExecutionContext } from 'ava';
import { parseHostPort, parseUpstreamFlag } from '../../src/proxy/config.js';
import { followRetryMs } from '../../src/proxy/follow.js';
import { endpointsOf, RoundRobinPicker } from '../../src/proxy/picker.js';
import { splice } from '../../src/proxy/pipe.js';
import { expectServiceIdentity, peerServiceId, uriSans } from '../../src/proxy/tls.js';

const td = '11111111-2222-3333-4444-555555555555.consul';
const cert = (subjectaltname: string) => ({ subjectaltname }) as PeerCertificate;

test('URI SANs and the one service identity', (t) => {
  t.deepEqual(uriSans(cert(`DNS:web.service.consul, URI:spiffe://${td}/ns/default/dc/dc1/svc/web`)), [`spiffe://${td}/ns/default/dc/dc1/svc/web`]);
  t.is(peerServiceId(cert(`URI:spiffe://${td}/ns/default/dc/dc1/svc/web`))?.id.service, 'web');
  t.is(peerServiceId(cert('DNS:web')), undefined);
  t.is(peerServiceId(cert(`URI:spiffe://${td}/ns/default/dc/dc1/svc/a, URI:spiffe://${td}/ns/default/dc/dc1/svc/b`)), undefined, 'two identities is none');
  t.is(peerServiceId(cert(`URI:spiffe://${td}`)), undefined, 'the CA signing ID is not a service');
});

test('expectServiceIdentity: service, trust domain and namespace must match; any datacenter', (t) => {
  const check = expectServiceIdentity(td, 'api');
  t.is(check('x', cert(`URI:spiffe://${td.toUpperCase()}/ns/default/dc/dc2/svc/api`)), undefined);
  t.regex(check('x', cert(`URI:spiffe://${td}/ns/default/dc/dc1/svc/web`))?.message ?? '', /is not service "api"/);
  t.regex(check('x', cert(`URI:spiffe://other.consul/ns/default/dc/dc1/svc/api`))?.message ?? '', /is not service/);
  t.regex(check('x', cert('DNS:api'))?.message ?? '', /no service identity/);
});

test('round robin from a start offset; empty gives nothing', (t) => {
  const endpoints = endpointsOf(
    [
      { Node: { Node: 'n1', Address: '10.0.0.1' }, Service: { ID: 'a', Service: 'api-sidecar-proxy', Address: '', Port: 21000 } },
      { Node: { Node: 'n2', Address: '10.0.0.2' }, Service: { ID: 'b', Service: 'api-sidecar-proxy', Address: '10.9.9.9', Port: 21001 } },
    ],
    'dc1',
  );
  t.deepEqual(endpoints.map((endpoint) => `${endpoint.host}:${endpoint.port}`), ['10.0.0.1:21000', '10.9.9.9:21001']);
  const picker = new RoundRobinPicker(endpoints, 1);
  t.deepEqual([picker.pick()?.id, picker.pick()?.id, picker.pick()?.id], ['b', 'a', 'b']);
  t.is(new RoundRobinPicker([]).pick(), undefined);
});

test('flags and backoff', (t) => {
  t.like(parseUpstreamFlag('db:9191'), { name: 'db', bindAddress: '127.0.0.1', bindPort: 9191 });
  t.throws(() => parseUpstreamFlag('db'), { message: /expected name:port/ });
  t.throws(() => parseUpstreamFlag('db:0'), { message: /expected name:port/ });
  t.deepEqual(parseHostPort('[::1]:80', '-listen'), { host: '::1', port: 80 });
  t.deepEqual(parseHostPort('127.0.0.1:0', '-listen'), { host: '127.0.0.1', port: 0 });
  t.deepEqual([1, 2, 3, 10, 100].map(followRetryMs), [200, 400, 800, 10_000, 10_000]);
});

/** A server whose accepted socket is handed to `onSocket`; closes at test end. */
async function pair(t: ExecutionContext): Promise<{ client: Socket; accepted: Socket; close: () => void }> {
  let accepted: Socket | undefined;
  const server = createServer({ allowHalfOpen: true }, (socket) => (accepted = socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const client = connect({ host: '127.0.0.1', port: address.port, allowHalfOpen: true });
  await new Promise((resolve) => client.once('connect', resolve));
  while (accepted === undefined) await new Promise((resolve) => setImmediate(resolve));
  t.teardown(() => server.close());
  return { client, accepted, close: () => server.close() };
}

test('splice: half-close in one direction, the other keeps flowing; a reset tears both down', async (t) => {
  const left = await pair(t); // user ↔ proxy-front
  const right = await pair(t); // proxy-back ↔ app
  let closed: { up: number; down: number } | undefined;
  splice(left.accepted, right.client, { onClose: (_error, bytes) => (closed = bytes) });
  const app = right.accepted;
  let received = '';
  app.on('data', (chunk: Buffer) => (received += chunk.toString()));
  await new Promise<void>((resolve) => {
    app.once('end', () => resolve());
    left.client.end('request');
  });
  t.is(received, 'request');
  let answer = '';
  left.client.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  await new Promise<void>((resolve) => {
    left.client.once('end', () => resolve());
    app.end('answer after the request side closed');
  });
  t.is(answer, 'answer after the request side closed');
  while (closed === undefined) await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(closed, { up: 7, down: 36 });

  const again = await pair(t);
  const back = await pair(t);
  let done = false;
  splice(again.accepted, back.client, { onClose: () => (done = true) });
  again.client.resetAndDestroy();
  back.accepted.resume();
  await new Promise<void>((resolve) => back.accepted.once('end', () => resolve()));
  while (!done) await new Promise((resolve) => setImmediate(resolve));
  t.pass('a reset on one side closed the other');
});
