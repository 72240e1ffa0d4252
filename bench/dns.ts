// DNS benchmark (issue 5). Run: npm run bench:dns   (needs dnsperf and knot: ../shared/anchors/install.sh)
//
// In one run, the same load against two servers holding the same records:
//   1. taxiway: a real `taxiway agent -dev` on its own loopback address, with 50 services x 2
//      instances registered through /v1/catalog/register (svc01..svc50 on node001..node100, the
//      zone ../shared/anchors/dns-anchor.sh serves);
//   2. Knot DNS (C) through ../shared/anchors/dns-anchor.sh (RUNS=1), after taxiway is stopped.
// Load (the anchor's): dnsperf 50 % A + 50 % SRV, closed loop with 4 sockets x 100 in flight for
// DURATION s, then open loop at a fixed DNS_LAT_QPS (default 10,000) for the latency percentiles.
// Prints both QPS figures, their ratio (target >= 0.5) and taxiway's p99 (target < 2 ms).
// Every dnsperf run is bounded by DURATION and 50,000 passes; the agent is killed by PID at exit.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, startBenchAgent } from './bench-agent.js';

const durationSeconds = Number(process.env.DURATION ?? 10);
const latencyQps = Number(process.env.DNS_LAT_QPS ?? 10_000);
const anchorScript = fileURLToPath(new URL('../../../shared/anchors/dns-anchor.sh', import.meta.url));
const waitQuiet = fileURLToPath(new URL('../../../shared/anchors/lib/wait-quiet.sh', import.meta.url));

/** Waits (<= 120 s) until the box is >= 90 % idle, as the anchor does before each measurement; the idle % seen. */
async function quiet(): Promise<number> {
  return Number(/^\d+/.exec(await run('bash', [waitQuiet]))?.[0] ?? NaN);
}

interface Throughput {
  readonly qps: number;
  readonly avgMs: number;
  readonly lost: number;
}

interface Latency {
  readonly qps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, ...env }, maxBuffer: 512 * 1024 * 1024, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error && stdout === '') reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

async function throughput(host: string, port: number, queries: string): Promise<Throughput> {
  const out = await run('dnsperf', ['-s', host, '-p', String(port), '-d', queries, '-l', String(durationSeconds), '-n', '50000', '-c', '4', '-q', '100', '-T', '1']);
  return {
    qps: Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    avgMs: Number(/Average Latency \(s\):\s+([\d.]+)/.exec(out)?.[1] ?? NaN) * 1000,
    lost: Number(/Queries lost:\s+(\d+)/.exec(out)?.[1] ?? NaN),
  };
}

async function latency(host: string, port: number, queries: string): Promise<Latency> {
  const out = await run('dnsperf', ['-s', host, '-p', String(port), '-d', queries, '-l', String(durationSeconds), '-n', '50000', '-c', '1', '-q', '100', '-Q', String(latencyQps), '-T', '1', '-v']);
  // Verbose lines end with the latency in seconds: "> NOERROR name TYPE 0.000057".
  const samples = out
    .split('\n')
    .filter((line) => line.startsWith('> NOERROR'))
    .map((line) => Number(line.split(/\s+/).at(-1)) * 1000)
    .sort((a, b) => a - b);
  return { qps: samples.length / durationSeconds, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
}

async function register(baseUrl: string): Promise<void> {
  for (let s = 1; s <= 50; s++) {
    for (let i = 1; i <= 2; i++) {
      const n = (s - 1) * 2 + i;
      const body = {
        Node: `node${String(n).padStart(3, '0')}`,
        Address: `127.0.${Math.floor(n / 250)}.${(n % 250) + 1}`,
        Service: { ID: `svc${String(s).padStart(2, '0')}-${i}`, Service: `svc${String(s).padStart(2, '0')}`, Port: 20000 + n },
      };
      const response = await fetch(`${baseUrl}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify(body) });
      if (response.status !== 200) throw new Error(`register: ${response.status}`);
    }
  }
}

async function measureTaxiway(queries: string): Promise<{ throughput: Throughput; latency: Latency }> {
  const agent = await startBenchAgent();
  try {
    await register(agent.baseUrl);
    const sample = await run('dig', [`@${agent.host}`, '-p', '8600', '+short', 'svc01.service.consul', 'SRV']);
    console.log(`taxiway sample SRV answer:\n${sample.trim()}`);
    const idleBeforeThroughput = await quiet();
    const measured = await throughput(agent.host, 8600, queries);
    const idleBeforeLatency = await quiet();
    console.log(`(idle before: ${idleBeforeThroughput} % and ${idleBeforeLatency} %)`);
    return { throughput: measured, latency: await latency(agent.host, 8600, queries) };
  } finally {
    agent.cleanup();
  }
}

function anchorFigures(output: string): { throughput: Throughput; latency: Latency } {
  const lines = output.split('\n').filter((line) => line.startsWith('{"label"')).map((line) => JSON.parse(line) as Record<string, number | string>);
  const closed = lines.find((line) => line.label === 'knot udp A+SRV');
  const open = lines.find((line) => line.label === 'knot udp fixed-rate');
  return {
    throughput: { qps: Number(closed?.qps), avgMs: Number(closed?.avg_latency_ms), lost: 0 },
    latency: { qps: Number(open?.qps), p50Ms: Number(open?.p50_ms), p99Ms: Number(open?.p99_ms) },
  };
}

function runAnchor(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [anchorScript], { env: { ...process.env, RUNS: '1', DURATION: String(durationSeconds) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`dns-anchor.sh exited ${code}:\n${out}`))));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'taxiway-bench-dns-'));
  try {
    const queries = join(dir, 'queries.txt');
    await run('bash', [anchorScript, 'queries', queries]);
    console.log(`== taxiway: dnsperf ${durationSeconds}s, 50% A + 50% SRV, 4 sockets x 100 in flight; then ${latencyQps} qps fixed rate`);
    const taxiway = await measureTaxiway(queries);
    console.log(JSON.stringify({ label: 'taxiway udp A+SRV', ...taxiway.throughput }));
    console.log(JSON.stringify({ label: 'taxiway udp fixed-rate', ...taxiway.latency }));
    console.log('== Knot DNS (../shared/anchors/dns-anchor.sh, RUNS=1)');
    const knot = anchorFigures(await runAnchor());
    console.log(JSON.stringify({ label: 'knot udp A+SRV', ...knot.throughput }));
    console.log(JSON.stringify({ label: 'knot udp fixed-rate', ...knot.latency }));
    const ratio = taxiway.throughput.qps / knot.throughput.qps;
    console.log('== summary');
    console.log(`taxiway ${taxiway.throughput.qps.toFixed(0)} qps (lost ${taxiway.throughput.lost}), Knot ${knot.throughput.qps.toFixed(0)} qps: ratio ${ratio.toFixed(3)} (target >= 0.5)`);
    console.log(`p99 at ${latencyQps} qps: taxiway ${taxiway.latency.p99Ms.toFixed(3)} ms (answered ${taxiway.latency.qps.toFixed(0)}/s; target < 2 ms), Knot ${knot.latency.p99Ms.toFixed(3)} ms`);
    console.log(`p50 at ${latencyQps} qps: taxiway ${taxiway.latency.p50Ms.toFixed(3)} ms, Knot ${knot.latency.p50Ms.toFixed(3)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
