// Connect CA benchmark (issue 9). Run: npm run bench:ca
//
// Measures leaf certificates issued per second by one server, through the ConnectCA.Sign handler
// a server runs for every agent's request (CSR parse + signature check + SPIFFE ID checks + leaf
// build + native signature), with the rate limit off (csr_max_per_second = 0). Target: at least
// 1,000/s, 20x Consul's default limit of 50/s. CSRs are made up front: their keys are the agents'
// cost, not the server's. Then it measures /v1/agent/connect/authorize latency on a real dev
// agent over HTTP keep-alive (target: p99 under 1 ms with cached intentions), with 500
// intentions stored, one request in flight, beside a /v1/status/leader baseline on the same
// connection (the HTTP and scheduling floor) and the server handler alone. Also, for comparison:
//   - the library path the CA does not use for leaves: @peculiar/x509's generator per leaf;
//   - an agent issuing leaves end to end (key + CSR + Sign), one new service per request.
// Every loop is bounded by a count and a deadline.

import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as x509 from '@peculiar/x509';
import { pino } from 'pino';
import { aclDisabled } from '../src/acl/authorizer.js';
import { LeafCerts } from '../src/agent/leaf-certs.js';
import { createLeafRequest } from '../src/connect/ca/csr.js';
import { SystemClock } from '../src/lib/clock.js';
import { CryptoRandom } from '../src/lib/random.js';
import { InProcessClient } from '../src/rpc/in-process-client.js';
import { Server } from '../src/server/server.js';
import { Pool } from 'undici';
import { percentile, startBenchAgent } from './bench-agent.js';

const cellMs = Number(process.env.BENCH_CA_MS ?? 3_000);
const csrCount = 200;
const countMax = 200_000;

async function measure(name: string, run: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let done = 0;
  while (done < countMax && performance.now() - started < cellMs) await run(done++);
  const perSecond = done / ((performance.now() - started) / 1000);
  console.log(`${name.padEnd(58)} ${perSecond.toFixed(0).padStart(7)}/s  (${done} in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return perSecond;
}

async function main(): Promise<void> {
  const clock = new SystemClock();
  const server = new Server({
    datacenter: 'dc1',
    self: { nodeName: 'bench', nodeId: '11111111-2222-3333-4444-555555555555', address: '127.0.0.1', serverPort: 8300 },
    clock,
    random: new CryptoRandom(),
    acl: aclDisabled,
    connect: { enabled: true, initialConfig: { CSRMaxPerSecond: 0 } },
    onBackgroundError: () => undefined,
  });
  await server.start();
  const roots = await server.handlers['ConnectCA.Roots']({ datacenter: '', token: '', minQueryIndex: 0, maxQueryTimeMs: 0, allowStale: false, requireConsistent: false, maxStaleMs: 0, filter: '' });
  const csrs: string[] = [];
  for (let i = 0; i < csrCount; i++) {
    csrs.push((await createLeafRequest(`spiffe://${roots.value.TrustDomain}/ns/default/dc/dc1/svc/svc-${i}`, [`svc-${i}.service.consul`])).csrPem);
  }
  const sign = (i: number): Promise<unknown> => server.handlers['ConnectCA.Sign']({ datacenter: '', token: '', csr: csrs[i % csrCount] as string });
  console.log(`node ${process.version}, ${cellMs} ms per cell, EC P-256 root`);
  const serverRate = await measure('server: ConnectCA.Sign, 1 in flight', sign);
  await measure('server: ConnectCA.Sign, 16 in flight', async (i) => Promise.all(Array.from({ length: 16 }, (_, j) => sign(i * 16 + j))).then(() => undefined)).then(
    (batches) => console.log(`${'  = leaves/s at 16 in flight'.padEnd(58)} ${(batches * 16).toFixed(0).padStart(7)}/s`),
  );

  x509.cryptoProvider.set(webcrypto as never);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']));
  const leafKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']));
  await measure('comparison: @peculiar/x509 generator, one leaf (no CSR)', (i) =>
    x509.X509CertificateGenerator.create({
      serialNumber: (i + 16).toString(16).padStart(4, '0'),
      subject: 'CN=web',
      issuer: 'CN=root',
      notBefore: new Date(),
      notAfter: new Date(clock.nowMs() + 72 * 3_600_000),
      signingKey: caKeys.privateKey,
      publicKey: leafKeys.publicKey,
      signingAlgorithm: algorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${roots.value.TrustDomain}/ns/default/dc/dc1/svc/web` }])],
    }),
  );

  const leaves = new LeafCerts({ rpc: new InProcessClient(server.handlers), clock, random: new CryptoRandom(), logger: pino({ level: 'silent' }), datacenter: () => 'dc1', domain: () => 'consul' });
  await measure('agent: new leaf end to end (key + CSR + Sign)', (i) => leaves.get(`agent-svc-${i}`, { token: '', minIndex: 0, maxWaitMs: 0 }));
  leaves.stop();
  await measureAuthorizeInProcess(server, roots.value.TrustDomain);
  await server.stop();
  const p99Ms = await measureAuthorize();
  console.log(`\nserver issuance ${serverRate.toFixed(0)}/s vs target 1,000/s: ${serverRate >= 1000 ? 'met' : 'NOT met'}`);
  console.log(`authorize p99 ${p99Ms.toFixed(3)} ms vs target 1 ms: ${p99Ms < 1 ? 'met' : 'NOT met'}`);
}

const authorizeIntentions = 500;
const authorizeWarmup = 500;

const noQuery = { datacenter: '', token: '', minQueryIndex: 0, maxQueryTimeMs: 0, allowStale: false, requireConsistent: false, maxStaleMs: 0, filter: '' };

/** The server's Intention.Authorize handler alone: what the decision costs without HTTP. */
async function measureAuthorizeInProcess(server: Server, trustDomain: string): Promise<void> {
  for (let i = 0; i < authorizeIntentions / 10; i++) {
    const sources = Array.from({ length: 10 }, (_, j) => ({ Name: `client-${j}`, Action: j % 2 === 0 ? 'allow' : 'deny' }));
    await server.handlers['ConfigEntry.Apply']({ datacenter: '', token: '', casIndex: null, entry: { Kind: 'service-intentions', Name: `target-${i}`, Sources: [...sources, { Name: '*', Action: 'deny' }] } });
  }
  await latencyCell('server: Intention.Authorize handler, 1 in flight', (i) =>
    server.handlers['Intention.Authorize']({ ...noQuery, target: `target-${i % 50}`, client: { trustDomain, namespace: 'default', datacenter: 'dc1', service: `client-${i % 12}` } }),
  );
}

/** Runs `run` one at a time for a cell; prints and returns the ascending latencies in ms. */
async function latencyCell(name: string, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samplesMs: number[] = [];
  const started = performance.now();
  while (samplesMs.length < countMax && performance.now() - started < cellMs) {
    const before = performance.now();
    await run(samplesMs.length);
    samplesMs.push(performance.now() - before);
  }
  samplesMs.sort((a, b) => a - b);
  const line = [50, 90, 99, 99.9].map((p) => `p${p} ${percentile(samplesMs, p).toFixed(3)} ms`).join(', ');
  console.log(`${name.padEnd(58)} ${line} (${samplesMs.length} requests)`);
  return samplesMs;
}

/** /v1/agent/connect/authorize on a real agent: latency percentiles, one request in flight. */
async function measureAuthorize(): Promise<number> {
  const agent = await startBenchAgent();
  const pool = new Pool(agent.baseUrl, { connections: 1, pipelining: 1 });
  try {
    const send = async (method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<string> => {
      const response = await pool.request({ method, path, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
      return text;
    };
    const trustDomain = (JSON.parse(await send('GET', '/v1/connect/ca/roots')) as { TrustDomain: string }).TrustDomain;
    // 50 destinations x 10 sources, plus wildcards: the decision walks a realistic list.
    for (let i = 0; i < authorizeIntentions / 10; i++) {
      const sources = Array.from({ length: 10 }, (_, j) => ({ Name: `client-${j}`, Action: j % 2 === 0 ? 'allow' : 'deny' }));
      await send('PUT', '/v1/config', { Kind: 'service-intentions', Name: `target-${i}`, Sources: [...sources, { Name: '*', Action: 'deny' }] });
    }
    const authorize = (i: number): Promise<string> =>
      send('POST', '/v1/agent/connect/authorize', { Target: `target-${i % 50}`, ClientCertURI: `spiffe://${trustDomain}/ns/default/dc/dc1/svc/client-${i % 12}` });
    for (let i = 0; i < authorizeWarmup; i++) await authorize(i);
    // Baseline: the cheapest endpoint over the same connection shows what HTTP and the machine's
    // scheduling alone cost at the tail.
    await latencyCell('agent: GET /v1/status/leader (baseline), 1 in flight', () => send('GET', '/v1/status/leader'));
    const samplesMs = await latencyCell('agent: POST /v1/agent/connect/authorize, 1 in flight', (i) => authorize(i));
    return percentile(samplesMs, 99);
  } finally {
    await pool.close();
    agent.cleanup();
  }
}

await main();
