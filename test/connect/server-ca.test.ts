// Goal: the CA on the server and the agent's leaf cache, end to end in one process: the leader
// creates the CA at start (only when connect is enabled), roots block until they change, Sign
// checks the CSR's SPIFFE ID and applies Consul's rate limit, a configuration change that alters
// the key rotates the root (old root kept, inactive; new one cross-signed), the agent's roots
// watch fires and its cached leaf is re-issued under the new root within the jitter window, and a
// leaf is renewed between 60 % and 90 % of its lifetime.
// Method: a real Server (in-process log, real FSM) and a LeafCerts over the in-process RPC client,
// driven by a ManualClock and a SeededRandom.

import test from 'ava';
import { pino } from 'pino';
import { aclDisabled } from '../../src/acl/authorizer.js';
import { LeafCerts } from '../../src/agent/leaf-certs.js';
import { createLeafRequest } from '../../src/connect/ca/csr.js';
import { ManualClock } from '../../src/lib/clock.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import { SeededRandom } from '../../src/lib/random.js';
import { InProcessClient } from '../../src/rpc/in-process-client.js';
import type { QueryOptions } from '../../src/rpc/protocol.js';
import { Server } from '../../src/server/server.js';

const hourMs = 3_600_000;

async function startServer(caConfig: Record<string, unknown> = {}, enabled = true): Promise<{ server: Server; clock: ManualClock }> {
  const clock = new ManualClock();
  const server = new Server({
    datacenter: 'dc1',
    self: { nodeName: 'n1', nodeId: '11111111-2222-3333-4444-555555555555', address: '127.0.0.1', serverPort: 8300 },
    clock,
    random: new SeededRandom(3),
    acl: aclDisabled,
    connect: { enabled, initialConfig: caConfig },
    onBackgroundError: () => undefined,
  });
  await server.start();
  return { server, clock };
}

const query = (minQueryIndex = 0): QueryOptions => ({
  datacenter: '',
  token: '',
  minQueryIndex,
  maxQueryTimeMs: 0,
  allowStale: false,
  requireConsistent: false,
  maxStaleMs: 0,
  filter: '',
});
const write = { datacenter: '', token: '' };

async function csrFor(server: Server, service: string, dc = 'dc1', domain?: string): Promise<string> {
  const roots = await server.handlers['ConnectCA.Roots'](query());
  const request = await createLeafRequest(`spiffe://${domain ?? roots.value.TrustDomain}/ns/default/dc/${dc}/svc/${service}`, []);
  return request.csrPem;
}

test('the leader creates one active root at start; roots name the trust domain and hide the key', async (t) => {
  const { server } = await startServer();
  const roots = await server.handlers['ConnectCA.Roots'](query());
  t.regex(roots.value.TrustDomain, /^[0-9a-f-]{36}\.consul$/);
  t.is(roots.value.Roots.length, 1);
  const root = roots.value.Roots[0] ?? {};
  t.is(root.ID, roots.value.ActiveRootID);
  t.regex(String(root.ID), /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
  t.regex(String(root.SigningKeyID), /^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
  t.is(root.SigningKey, undefined);
  t.is(root.PrivateKeyType, 'ec');
  t.is(root.PrivateKeyBits, 256);
  t.true(Number.isSafeInteger(root.SerialNumber));
  // A restart of the leader duties keeps the CA.
  await server.duties.connectCa.initialize();
  t.is((await server.handlers['ConnectCA.Roots'](query())).value.ActiveRootID, roots.value.ActiveRootID);
  await server.stop();
});

test('with connect disabled there is no CA and the endpoints say so', async (t) => {
  const { server } = await startServer({}, false);
  t.is(server.store.caRoots.size, 0);
  const error = await t.throwsAsync(server.handlers['ConnectCA.Roots'](query()));
  t.regex(error?.message ?? '', /Connect must be enabled/);
  await server.stop();
});

test('Sign checks the SPIFFE ID of the CSR: trust domain, datacenter, a service URI', async (t) => {
  const { server } = await startServer();
  const issued = await server.handlers['ConnectCA.Sign']({ ...write, csr: await csrFor(server, 'web') });
  t.is(issued.Service, 'web');
  t.regex(issued.SerialNumber, /^([0-9a-f]{2}:)+[0-9a-f]{2}$/);
  t.is(Date.parse(issued.ValidBefore) - Date.parse(issued.ValidAfter), 72 * hourMs + 60_000);
  const foreign = await t.throwsAsync(server.handlers['ConnectCA.Sign']({ ...write, csr: await csrFor(server, 'web', 'dc1', 'other.consul') }));
  t.regex(foreign?.message ?? '', /different trust domain/);
  const otherDc = await t.throwsAsync(server.handlers['ConnectCA.Sign']({ ...write, csr: await csrFor(server, 'web', 'dc2') }));
  t.regex(otherDc?.message ?? '', /different datacenter/);
  const garbage = await t.throwsAsync(server.handlers['ConnectCA.Sign']({ ...write, csr: 'not a csr' }));
  t.regex(garbage?.message ?? '', /failed to parse CSR/);
  await server.stop();
});

test('signing is rate-limited per second with Consul\'s error, and the bucket refills with time', async (t) => {
  const { server, clock } = await startServer({ CSRMaxPerSecond: 2 });
  const csr = await csrFor(server, 'web');
  await server.handlers['ConnectCA.Sign']({ ...write, csr });
  await server.handlers['ConnectCA.Sign']({ ...write, csr });
  const error = await t.throwsAsync(server.handlers['ConnectCA.Sign']({ ...write, csr }));
  t.true(isTaxiwayError(error) && error.code === 'rate_limited');
  t.is(error?.message, 'Rate limit reached, try again later');
  clock.advance(500);
  await t.notThrowsAsync(server.handlers['ConnectCA.Sign']({ ...write, csr }));
  await server.stop();
});

test('a key change rotates the root; the roots watch fires; the cached leaf is re-issued under the new root', async (t) => {
  const { server, clock } = await startServer();
  const leaves = new LeafCerts({
    rpc: new InProcessClient(server.handlers),
    clock,
    random: new SeededRandom(11),
    logger: pino({ level: 'silent' }),
    datacenter: () => 'dc1',
    domain: () => 'consul',
  });
  const first = await leaves.get('web', { token: '', minIndex: 0, maxWaitMs: 0 });
  t.regex(first.cert.PrivateKeyPEM, /^-----BEGIN EC PRIVATE KEY-----\n/);
  t.regex(first.cert.ServiceURI, /\/ns\/default\/dc\/dc1\/svc\/web$/);
  const before = await server.handlers['ConnectCA.Roots'](query());
  const watch = server.handlers['ConnectCA.Roots'](query(before.meta.index));
  await server.handlers['ConnectCA.ConfigurationSet']({ ...write, config: { Provider: 'consul', Config: { PrivateKeyType: 'rsa', PrivateKeyBits: 2048 }, ForceWithoutCrossSigning: false } });
  const after = await watch;
  t.true(after.meta.index > before.meta.index);
  t.not(after.value.ActiveRootID, before.value.ActiveRootID);
  t.is(after.value.Roots.length, 2, 'the old root stays trusted');
  const active = after.value.Roots.find((root) => root.Active === true);
  t.is((active?.IntermediateCerts as string[] | null)?.length, 1, 'the new root carries its cross-signed copy');
  const reissued = leaves.get('web', { token: '', minIndex: first.index, maxWaitMs: 10 * 60_000 });
  clock.advance(30_000); // the whole jitter window
  const next = await reissued;
  t.true(next.index > first.index);
  t.not(next.cert.SerialNumber, first.cert.SerialNumber);
  t.is(next.cert.CertPEM.match(/BEGIN CERTIFICATE/g)?.length, 2, 'leaf + cross-signed root');
  leaves.stop();
  await server.stop();
});

test('a cached leaf is renewed between 60 % and 90 % of its lifetime, not before', async (t) => {
  const { server, clock } = await startServer({ LeafCertTTL: '10h' });
  const leaves = new LeafCerts({ rpc: new InProcessClient(server.handlers), clock, random: new SeededRandom(5), logger: pino({ level: 'silent' }), datacenter: () => 'dc1', domain: () => 'consul' });
  const first = await leaves.get('web', { token: '', minIndex: 0, maxWaitMs: 0 });
  const current = async (): Promise<string> => {
    // Let a renewal that a timer started (key generation, signing) finish first.
    await new Promise((resolve) => setTimeout(resolve, 30));
    return (await leaves.get('web', { token: '', minIndex: 0, maxWaitMs: 0 })).cert.SerialNumber;
  };
  // The lifetime is 10 h + the 1 min backdate, counted from ValidAfter (1 min before issue).
  const lifetimeMs = 10 * hourMs + 60_000;
  let elapsedMs = 0.6 * lifetimeMs - 2 * 60_000;
  clock.advance(elapsedMs);
  t.is(await current(), first.cert.SerialNumber, 'not renewed before 60 %');
  while (elapsedMs < 0.9 * lifetimeMs && (await current()) === first.cert.SerialNumber) {
    clock.advance(0.01 * lifetimeMs);
    elapsedMs += 0.01 * lifetimeMs;
  }
  t.not(await current(), first.cert.SerialNumber, 'renewed by 90 %');
  t.true(elapsedMs <= 0.9 * lifetimeMs);
  leaves.stop();
  await server.stop();
});

test('a second rotation keeps roots whose leaves may still be valid and drops those rotated out two leaf lifetimes ago', async (t) => {
  const { server, clock } = await startServer({ LeafCertTTL: '1h' });
  const rotateTo = (bits: number): Promise<boolean> =>
    server.handlers['ConnectCA.ConfigurationSet']({ ...write, config: { Provider: 'consul', Config: { LeafCertTTL: '1h', PrivateKeyBits: bits }, ForceWithoutCrossSigning: false } });
  await rotateTo(384);
  t.is(server.store.caRoots.size, 2);
  clock.advance(hourMs);
  await rotateTo(256);
  t.is(server.store.caRoots.size, 3, 'the first root was rotated out 1 h ago: its leaves may live');
  clock.advance(2 * hourMs);
  await rotateTo(384);
  t.is(server.store.caRoots.size, 2, 'the first two roots, rotated out 3 h and 2 h ago, went; the last two stay');
  t.is(server.store.caRoots.rows().filter((root) => root.Active).length, 1);
  await server.stop();
});

test('a leaf nobody asks for in 72 h is dropped at its renewal; asking again issues one with a higher index', async (t) => {
  const { server, clock } = await startServer({ LeafCertTTL: '10h' });
  const leaves = new LeafCerts({ rpc: new InProcessClient(server.handlers), clock, random: new SeededRandom(9), logger: pino({ level: 'silent' }), datacenter: () => 'dc1', domain: () => 'consul' });
  const first = await leaves.get('web', { token: '', minIndex: 0, maxWaitMs: 0 });
  for (let hours = 0; hours < 100; hours++) {
    clock.advance(hourMs);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  t.is(leaves.cachedServiceCount, 0, 'dropped at the first renewal after 72 h idle');
  const again = await leaves.get('web', { token: '', minIndex: first.index, maxWaitMs: 60_000 });
  t.true(again.index > first.index, 'a stale index from the dropped entry does not block');
  t.is(leaves.cachedServiceCount, 1);
  leaves.stop();
  await server.stop();
});
