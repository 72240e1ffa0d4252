// Catalog benchmark for the dev agent (issue: foundation). Run: npm run bench:catalog
//
// Starts a real `taxiway agent -dev` process on its own loopback address and measures, from a
// client in this process over real sockets:
//   1. memory: agent RSS with 10,000 nodes × 10 service instances (one check each) registered
//      through /v1/catalog/register (target: under 1 GiB);
//   2. latency: p50/p99 of GET /v1/health/service/web?passing on a 1,000-instance service, one
//      request at a time (target: p99 under 10 ms), throughput with 8 in flight, and the same read
//      when each one follows a write to the service (so the answer is rebuilt, not reused);
//   3. blocking queries: 10,000 concurrent ?index= long polls on one small service, the agent's
//      memory held by them, and the time from a write to the last watcher answered (target: all
//      within 1 s).
// Every load is bounded in count and time; the agent is stopped by PID at the end, also on failure.
// There is no anchor for a catalog (etcd, Knot and haproxy measure other things), so the figures
// are printed against the targets.

import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { holdLongPolls, percentile, rssMiB, startBenchAgent } from './bench-agent.js';

const nodes = Number(process.env.BENCH_NODES ?? 10_000);
const servicesPerNode = 10;
const webInstances = Math.min(1_000, nodes);
const latencyRequests = Number(process.env.BENCH_LATENCY_REQUESTS ?? 2_000);
const blockingQueries = Number(process.env.BENCH_BLOCKING ?? 10_000);
const phaseDeadlineMs = 300_000;

function registration(node: number, slot: number): string {
  const service = slot === 0 && node < webInstances ? 'web' : `svc-${(node * servicesPerNode + slot) % 2_000}`;
  const id = `${service}-${node}-${slot}`;
  return JSON.stringify({
    Node: `node-${node}`,
    Address: `10.${(node >> 16) & 255}.${(node >> 8) & 255}.${node & 255}`,
    NodeMeta: { rack: `r${node % 20}` },
    Service: { ID: id, Service: service, Port: 8000 + slot, Tags: ['v1', `slot-${slot}`], Meta: { version: '1.2.3' } },
    Check: { CheckID: `check-${id}`, Name: 'alive', Status: 'passing', ServiceID: id },
  });
}

async function load(pool: Pool): Promise<number> {
  const total = nodes * servicesPerNode;
  const inFlight = 64;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total && performance.now() - started < phaseDeadlineMs) {
      const n = next++;
      const response = await pool.request({ method: 'PUT', path: '/v1/catalog/register', body: registration(Math.floor(n / servicesPerNode), n % servicesPerNode) });
      if (response.statusCode !== 200) throw new Error(`register failed: ${response.statusCode} ${await response.body.text()}`);
      await response.body.dump();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  if (next < total) throw new Error(`loading did not finish within ${phaseDeadlineMs} ms`);
  return total / ((performance.now() - started) / 1000);
}

/**
 * The same query when every read follows a write to the service (a check's output changes), so
 * the answer must be rebuilt: the cost a watcher pays after a real change.
 */
async function coldLatency(pool: Pool): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  const rounds = Math.min(500, latencyRequests);
  for (let i = 0; i < rounds; i++) {
    const node = i % webInstances;
    const id = `web-${node}-0`;
    const body = JSON.stringify({ Node: `node-${node}`, SkipNodeUpdate: true, Service: { ID: id, Service: 'web', Port: 8000, Tags: ['v1', 'slot-0'], Meta: { version: '1.2.3' } }, Check: { CheckID: `check-${id}`, Name: 'alive', Status: 'passing', ServiceID: id, Output: `round ${i}` } });
    await (await pool.request({ method: 'PUT', path: '/v1/catalog/register', body })).body.dump();
    const started = performance.now();
    await (await pool.request({ method: 'GET', path: '/v1/health/service/web?passing' })).body.dump();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function latency(pool: Pool): Promise<{ p50: number; p99: number; max: number; bytes: number; rps8: number }> {
  const path = '/v1/health/service/web?passing';
  let bytes = 0;
  for (let i = 0; i < 100; i++) await (await pool.request({ method: 'GET', path })).body.dump(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < latencyRequests; i++) {
    const started = performance.now();
    const response = await pool.request({ method: 'GET', path });
    const body = await response.body.arrayBuffer();
    samples.push(performance.now() - started);
    bytes = body.byteLength;
  }
  samples.sort((a, b) => a - b);
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (done < latencyRequests) {
        done++;
        await (await pool.request({ method: 'GET', path })).body.dump();
      }
    }),
  );
  const rps8 = done / ((performance.now() - started) / 1000);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples[samples.length - 1] ?? NaN, bytes, rps8 };
}

interface BlockingResult {
  heldRssMiB: number;
  writeToLastAnsweredMs: number;
  writeToFirstAnsweredMs: number;
  answered: number;
}

async function blocking(baseUrl: string, pool: Pool, agentPid: number): Promise<BlockingResult> {
  for (let i = 0; i < 3; i++) {
    const body = JSON.stringify({ Node: 'node-0', Address: '10.0.0.0', Service: { ID: `watched-${i}`, Service: 'watched', Port: 7000 + i } });
    await (await pool.request({ method: 'PUT', path: '/v1/catalog/register', body })).body.dump();
  }
  const head = await pool.request({ method: 'GET', path: '/v1/health/service/watched' });
  await head.body.dump();
  const index = String(head.headers['x-consul-index']);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const rssBefore = rssMiB(agentPid);
  const url = new URL(`${baseUrl}/v1/health/service/watched?index=${index}&wait=5m`);
  const polls = await holdLongPolls(url, blockingQueries, () => pool.request({ method: 'GET', path: '/v1/status/leader' }).then((r) => r.body.dump()), phaseDeadlineMs);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const heldRssMiB = rssMiB(agentPid) - rssBefore;
  const writeAt = performance.now();
  const body = JSON.stringify({ Node: 'node-0', Address: '10.0.0.0', Service: { ID: 'watched-new', Service: 'watched', Port: 7999 } });
  await (await pool.request({ method: 'PUT', path: '/v1/catalog/register', body })).body.dump();
  await polls.allAnswered(60_000);
  polls.close();
  const answered = polls.answeredAt.length;
  const firstAnsweredAt = polls.answeredAt[0] ?? NaN;
  const lastAnsweredAt = polls.answeredAt[answered - 1] ?? NaN;
  return { heldRssMiB, writeToLastAnsweredMs: lastAnsweredAt - writeAt, writeToFirstAnsweredMs: firstAnsweredAt - writeAt, answered };
}

async function main(): Promise<void> {
  const { child, baseUrl, cleanup } = await startBenchAgent();
  const pool = new Pool(baseUrl, { connections: 16 });
  try {
    const pid = child.pid as number;
    const idleRss = rssMiB(pid);
    const registrationsPerSecond = await load(pool);
    const loadedRss = rssMiB(pid);
    // Blocking queries first, while the agent's heap is settled after loading, so that the memory
    // they hold is not lost in the garbage of the latency phases.
    const block = await blocking(baseUrl, pool, pid);
    const lat = await latency(pool);
    const cold = await coldLatency(pool);
    const rows: [string, string, string][] = [
      ['agent RSS, idle', `${idleRss.toFixed(0)} MiB`, ''],
      [`agent RSS, ${nodes} nodes × ${servicesPerNode} instances + checks`, `${loadedRss.toFixed(0)} MiB`, 'target < 1024 MiB'],
      ['catalog register rate (64 in flight)', `${registrationsPerSecond.toFixed(0)} /s`, ''],
      [`health/service/web?passing (${webInstances} instances, ${(lat.bytes / 1024).toFixed(0)} KiB) p50`, `${lat.p50.toFixed(2)} ms`, ''],
      ['  same, p99 (1 in flight)', `${lat.p99.toFixed(2)} ms`, 'target < 10 ms'],
      ['  same, max', `${lat.max.toFixed(2)} ms`, ''],
      ['  same, 8 in flight', `${lat.rps8.toFixed(0)} req/s`, ''],
      ['  same, each read right after a write to web: p50', `${cold.p50.toFixed(2)} ms`, ''],
      ['  same, each read right after a write to web: p99', `${cold.p99.toFixed(2)} ms`, ''],
      [`${blockingQueries} blocking queries: agent memory held`, `${block.heldRssMiB.toFixed(0)} MiB (${((block.heldRssMiB * 1024) / blockingQueries).toFixed(1)} KiB each)`, ''],
      ['  write → first watcher answered', `${block.writeToFirstAnsweredMs.toFixed(0)} ms`, ''],
      ['  write → last watcher answered', `${block.writeToLastAnsweredMs.toFixed(0)} ms`, 'target < 1000 ms'],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log(`taxiway catalog benchmark (node ${process.version}, dev agent pid ${pid})`);
    for (const [label, value, target] of rows) console.log(`${label.padEnd(width)}  ${value.padStart(22)}  ${target}`);
  } finally {
    await pool.close();
    cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
