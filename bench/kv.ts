// KV benchmark for the dev agent (issue: KV, sessions, locks). Run: npm run bench:kv
//
// Starts a real `taxiway agent -dev` process on its own loopback address and measures, from a
// client in this process over real sockets:
//   1. PUT /v1/kv/<key> (100-byte values) and GET /v1/kv/<key>: throughput and p50/p99 latency
//      with 1, 16 and 64 requests in flight (one keep-alive connection per request in flight);
//   2. blocking queries: 1,000 watchers on one prefix (?recurse&index=), then one write under it:
//      the time from sending the write to each watcher's answer (p50, p99, last), and that a
//      write elsewhere wakes none of them.
// Every phase is bounded in count and time; the agent is stopped by PID at the end, also on failure.
// The dev agent keeps KV in memory without fsync, so there is no fair anchor here: etcd's figures
// (../shared/anchors) measure a durable, replicated store and belong to the Raft benchmark.

import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { holdLongPolls, percentile, rssMiB, startBenchAgent } from './bench-agent.js';

const requestsPerCell = Number(process.env.BENCH_KV_REQUESTS ?? 20_000);
const cellDeadlineMs = 30_000;
const watchers = Number(process.env.BENCH_KV_WATCHERS ?? 1_000);
const value = Buffer.alloc(100, 'v');

interface Cell {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
}

async function cell(baseUrl: string, inFlight: number, send: (pool: Pool, i: number) => Promise<void>): Promise<Cell> {
  const pool = new Pool(baseUrl, { connections: inFlight, pipelining: 1 });
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requestsPerCell && performance.now() - started < cellDeadlineMs) {
      const i = next++;
      const sent = performance.now();
      await send(pool, i);
      samples.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  samples.sort((a, b) => a - b);
  return { perSecond: samples.length / seconds, p50: percentile(samples, 50), p99: percentile(samples, 99), requests: samples.length };
}

async function put(pool: Pool, i: number): Promise<void> {
  const response = await pool.request({ method: 'PUT', path: `/v1/kv/bench/key-${i % 10_000}`, body: value });
  if (response.statusCode !== 200) throw new Error(`PUT failed: ${response.statusCode} ${await response.body.text()}`);
  await response.body.dump();
}

async function get(pool: Pool, i: number): Promise<void> {
  const response = await pool.request({ method: 'GET', path: `/v1/kv/bench/key-${i % 10_000}` });
  if (response.statusCode !== 200) throw new Error(`GET failed: ${response.statusCode}`);
  await response.body.dump();
}

interface WakeResult {
  readonly p50: number;
  readonly p99: number;
  readonly last: number;
  readonly wokenByUnrelatedWrite: number;
  readonly heldRssMiB: number;
}

async function wakeUp(baseUrl: string, pid: number): Promise<WakeResult> {
  const pool = new Pool(baseUrl, { connections: 2 });
  await (await pool.request({ method: 'PUT', path: '/v1/kv/watched/seed', body: value })).body.dump();
  const head = await pool.request({ method: 'GET', path: '/v1/kv/watched/?recurse' });
  await head.body.dump();
  const index = String(head.headers['x-consul-index']);
  const rssBefore = rssMiB(pid);
  const url = new URL(`${baseUrl}/v1/kv/watched/?recurse&index=${index}&wait=5m`);
  const polls = await holdLongPolls(url, watchers, () => pool.request({ method: 'GET', path: '/v1/status/leader' }).then((r) => r.body.dump()), cellDeadlineMs);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const heldRssMiB = rssMiB(pid) - rssBefore;
  await (await pool.request({ method: 'PUT', path: '/v1/kv/unrelated/key', body: value })).body.dump();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const wokenByUnrelatedWrite = polls.answeredAt.length;
  const writeAt = performance.now();
  await (await pool.request({ method: 'PUT', path: '/v1/kv/watched/changed', body: value })).body.dump();
  await polls.allAnswered(60_000);
  polls.close();
  await pool.close();
  const delays = polls.answeredAt.map((at) => at - writeAt).sort((a, b) => a - b);
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), last: delays[delays.length - 1] ?? NaN, wokenByUnrelatedWrite, heldRssMiB };
}

async function main(): Promise<void> {
  const { child, baseUrl, cleanup } = await startBenchAgent();
  try {
    const pid = child.pid as number;
    const rows: [string, string][] = [];
    for (const [name, send] of [['PUT', put], ['GET', get]] as const) {
      for (const inFlight of [1, 16, 64]) {
        const result = await cell(baseUrl, inFlight, send);
        rows.push([`${name} /v1/kv/<key>, ${inFlight} in flight`, `${result.perSecond.toFixed(0).padStart(6)} req/s   p50 ${result.p50.toFixed(2)} ms   p99 ${result.p99.toFixed(2)} ms   (${result.requests} requests)`]);
      }
    }
    const wake = await wakeUp(baseUrl, pid);
    rows.push([`${watchers} watchers on one prefix: woken by a write elsewhere`, `${wake.wokenByUnrelatedWrite} (must be 0)`]);
    rows.push(['  write under the prefix → watcher answered', `p50 ${wake.p50.toFixed(1)} ms   p99 ${wake.p99.toFixed(1)} ms   last ${wake.last.toFixed(1)} ms`]);
    rows.push(['  agent memory held by the watchers', `${wake.heldRssMiB.toFixed(1)} MiB`]);
    rows.push(['agent RSS at the end', `${rssMiB(pid).toFixed(0)} MiB`]);
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log(`taxiway KV benchmark (node ${process.version}, dev agent pid ${pid}, 100-byte values)`);
    for (const [label, figures] of rows) console.log(`${label.padEnd(width)}  ${figures}`);
  } finally {
    cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
