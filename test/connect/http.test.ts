// Goal: the CA's HTTP API and CLI on a real dev agent, as Consul clients use them: roots (JSON,
// ?pem bundle, blocking until a rotation), the agent's leaf for a service (Consul's field names,
// a chain openssl verifies against the roots, the same leaf from the cache, blocking with
// ?index), the configuration GET/PUT with Consul's validation, and `taxiway connect ca
// get-config|set-config`.
// Method: one dev agent process for the file on its own loopback address; raw HTTP with fetch,
// the CLI spawned for real, openssl on the answers.

import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runCli, startDevAgent, type DevAgent } from '../helpers/agent-process.js';
import { firstPem, openssl } from './fixtures.js';

let agent: DevAgent | undefined;

test.before(async () => {
  agent = await startDevAgent();
});
test.after.always(async () => {
  await agent?.stop();
});

function base(): string {
  if (agent === undefined) throw new Error('agent not started');
  return agent.baseUrl;
}

async function getJson<T>(path: string): Promise<{ status: number; index: number; body: T }> {
  const response = await fetch(`${base()}${path}`);
  const text = await response.text();
  return { status: response.status, index: Number(response.headers.get('x-consul-index')), body: (response.status === 200 ? JSON.parse(text) : text) as T };
}

interface Roots {
  ActiveRootID: string;
  TrustDomain: string;
  Roots: { ID: string; RootCert: string; Active: boolean; IntermediateCerts: string[] | null; SigningKey?: string }[];
}

test.serial('roots, a leaf that openssl verifies, the cached leaf, and ?pem', async (t) => {
  const roots = await getJson<Roots>('/v1/connect/ca/roots');
  t.is(roots.status, 200);
  t.true(roots.index > 0);
  t.deepEqual(Object.keys(roots.body), ['ActiveRootID', 'TrustDomain', 'Roots']);
  const root = roots.body.Roots[0];
  t.deepEqual(Object.keys(root ?? {}).sort(), [
    'Active', 'CreateIndex', 'ExternalTrustDomain', 'ID', 'IntermediateCerts', 'ModifyIndex', 'Name', 'NotAfter', 'NotBefore', 'PrivateKeyBits', 'PrivateKeyType', 'RootCert', 'SerialNumber', 'SigningKeyID',
  ]);
  t.deepEqual((await getJson<Roots>('/v1/agent/connect/ca/roots')).body, roots.body);
  const leaf = await getJson<Record<string, string>>('/v1/agent/connect/ca/leaf/web');
  t.is(leaf.status, 200);
  t.deepEqual(Object.keys(leaf.body).sort(), ['CertPEM', 'CreateIndex', 'ModifyIndex', 'PrivateKeyPEM', 'SerialNumber', 'Service', 'ServiceURI', 'ValidAfter', 'ValidBefore']);
  t.is(leaf.body.ServiceURI, `spiffe://${roots.body.TrustDomain}/ns/default/dc/dc1/svc/web`);
  const text = await openssl(['x509', '-in', '{leaf.pem}', '-noout', '-text'], { 'leaf.pem': leaf.body.CertPEM ?? '' });
  t.true(text.includes(`URI:${leaf.body.ServiceURI ?? ''}`));
  t.regex(await openssl(['verify', '-CAfile', '{root.pem}', '{leaf.pem}'], { 'root.pem': root?.RootCert ?? '', 'leaf.pem': firstPem(leaf.body.CertPEM ?? '') }), /OK/);
  const again = await getJson<Record<string, string>>('/v1/agent/connect/ca/leaf/web');
  t.is(again.body.SerialNumber, leaf.body.SerialNumber, 'served from the cache');
  const started = Date.now();
  const blocked = await getJson<Record<string, string>>(`/v1/agent/connect/ca/leaf/web?index=${leaf.index}&wait=300ms`);
  t.is(blocked.index, leaf.index);
  t.true(Date.now() - started >= 250, 'blocked until the wait ran out');
  const pem = await fetch(`${base()}/v1/connect/ca/roots?pem`);
  t.is(pem.headers.get('content-type'), 'application/pem-certificate-chain');
  t.is((await pem.text()).match(/BEGIN CERTIFICATE/g)?.length, 1);
});

test.serial('configuration: GET shows the defaults, PUT validates, a key change rotates and wakes blocked roots readers', async (t) => {
  const config = await getJson<{ Provider: string; Config: Record<string, unknown> }>('/v1/connect/ca/configuration');
  t.is(config.body.Provider, 'consul');
  t.like(config.body.Config, { LeafCertTTL: '72h', PrivateKeyType: 'ec', PrivateKeyBits: 256 });
  const bad = await fetch(`${base()}/v1/connect/ca/configuration`, { method: 'PUT', body: JSON.stringify({ Provider: 'consul', Config: { LeafCertTTL: '10m' } }) });
  t.is(bad.status, 400);
  t.regex(await bad.text(), /leaf cert TTL must be greater or equal than 1h0m0s/);
  const before = await getJson<Roots>('/v1/connect/ca/roots');
  const watcher = getJson<Roots>(`/v1/agent/connect/ca/roots?index=${before.index}&wait=30s`);
  const put = await fetch(`${base()}/v1/connect/ca/configuration`, { method: 'PUT', body: JSON.stringify({ Provider: 'consul', Config: { PrivateKeyType: 'ec', PrivateKeyBits: 384 } }) });
  t.is(put.status, 200);
  const after = await watcher;
  t.true(after.index > before.index);
  t.not(after.body.ActiveRootID, before.body.ActiveRootID);
  t.is(after.body.Roots.length, 2);
  const active = after.body.Roots.find((root) => root.Active);
  const old = after.body.Roots.find((root) => !root.Active);
  t.regex(await openssl(['verify', '-CAfile', '{old.pem}', '{cross.pem}'], { 'old.pem': old?.RootCert ?? '', 'cross.pem': active?.IntermediateCerts?.[0] ?? '' }), /OK/);
});

test.serial('taxiway connect ca get-config and set-config', async (t) => {
  const get = await runCli(['connect', 'ca', 'get-config', '-http-addr', agent?.httpAddress ?? '']);
  t.is(get.code, 0, get.stderr);
  t.like(JSON.parse(get.stdout) as object, { Provider: 'consul' });
  const dir = await mkdtemp(join(tmpdir(), 'taxiway-ca-cli-'));
  try {
    const file = join(dir, 'ca.json');
    await writeFile(file, JSON.stringify({ Provider: 'consul', Config: { LeafCertTTL: '24h', PrivateKeyType: 'ec', PrivateKeyBits: 384 } }));
    const set = await runCli(['connect', 'ca', 'set-config', '-config-file', file, '-http-addr', agent?.httpAddress ?? '']);
    t.is(set.code, 0, set.stderr);
    t.is(set.stdout, 'Configuration updated!\n');
    const after = await runCli(['connect', 'ca', 'get-config', '-http-addr', agent?.httpAddress ?? '']);
    t.like(JSON.parse(after.stdout) as { Config: object }, { Config: { LeafCertTTL: '24h' } });
    const missing = await runCli(['connect', 'ca', 'set-config', '-http-addr', agent?.httpAddress ?? '']);
    t.is(missing.code, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('connect.ca_config picks the root key and leaf TTL; a bad value stops the agent with one line', async (t) => {
  const rsa = await startDevAgent(['-hcl', 'connect { ca_config { private_key_type = "rsa" private_key_bits = 2048 leaf_cert_ttl = "24h" } }']);
  try {
    const roots = (await (await fetch(`${rsa.baseUrl}/v1/connect/ca/roots`)).json()) as { Roots: { PrivateKeyType: string; PrivateKeyBits: number }[] };
    t.like(roots.Roots[0], { PrivateKeyType: 'rsa', PrivateKeyBits: 2048 });
    const leaf = (await (await fetch(`${rsa.baseUrl}/v1/agent/connect/ca/leaf/api`)).json()) as { ValidAfter: string; ValidBefore: string };
    t.is(Date.parse(leaf.ValidBefore) - Date.parse(leaf.ValidAfter), 24 * 3_600_000 + 60_000);
  } finally {
    await rsa.stop();
  }
  const bad = await runCli(['agent', '-dev', '-hcl', 'connect { ca_config { private_key_bits = 521 } }']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /connect\.ca_config: EC key length must be one of \(256, 384\) bits/);
});
