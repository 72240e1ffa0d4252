// Health-check benchmark (issue 4). Run: npm run bench:health
//
// Starts a real `taxiway agent -dev` process on its own loopback address and a plain node:http
// backend in this process, registers CHECKS services (default 2,000) each with an HTTP check at a
// 1 s interval against its own path on the backend, and measures:
//   1. cost: the agent's CPU (% of one core, from /proc/<pid>/stat over a steady window) and RSS
//      while all checks pass (target: under 25% of one core);
//   2. detection: the time from a backend path turning unhealthy (500) to the catalog showing the
//      check critical, for a sample of services, observed with a blocking query on
//      /v1/health/state/critical (target: under interval + 1 s = 2 s).
// Every phase has a deadline; the agent is stopped by PID at the end, also on failure.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { startDevAgent } from '../test/helpers/agent-process.js';

const checks = Number(process.env.CHECKS ?? 2_000);
// One minute: the window then holds about one anti-entropy full sync (every 60 s plus stagger)
// and several GC cycles, which 20 s windows caught or missed (19-26 % on the same quiet box).
const steadyWindowMs = Number(process.env.STEADY_MS ?? 60_000);
const flipped = Number(process.env.FLIPPED ?? 50);
const phaseDeadlineMs = 120_000;
const clockTicksPerSecond = 100;

function cpuTicks(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat: utime and stime, in clock ticks (after the "(comm)" field).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssMiB(pid: number): number {
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kib / 1024;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const endMs = performance.now() + phaseDeadlineMs;
  while (!(await probe())) {
    if (performance.now() > endMs) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  const unhealthy = new Set<string>();
  let backendRequests = 0;
  const backend = createServer((request, response) => {
    backendRequests++;
    response.statusCode = unhealthy.has(request.url ?? '') ? 500 : 200;
    response.end('ok');
  });
  backend.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;
  const agent = await startDevAgent(['-log-level=warn']);
  const pid = agent.child.pid ?? 0;
  const pool = new Pool(agent.baseUrl, { connections: 16 });
  try {
    const registerStartMs = performance.now();
    for (let start = 0; start < checks; start += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, checks - start) }, async (_, offset) => {
          const i = start + offset;
          const body = JSON.stringify({ Name: `svc-${i}`, ID: `svc-${i}`, Port: backendPort, Check: { HTTP: `http://127.0.0.1:${backendPort}/health/${i}`, Interval: '1s' } });
          const response = await pool.request({ path: '/v1/agent/service/register', method: 'PUT', body });
          await response.body.dump();
          if (response.statusCode !== 200) throw new Error(`register svc-${i}: ${response.statusCode}`);
        }),
      );
    }
    console.log(`registered ${checks} services with HTTP checks in ${((performance.now() - registerStartMs) / 1000).toFixed(1)} s`);
    await until('every check passing', async () => {
      const response = await pool.request({ path: '/v1/health/state/passing', method: 'GET' });
      const passing = (await response.body.json()) as unknown[];
      return passing.length >= checks + 1;
    });
    console.log('all checks passing; measuring the steady state');

    const ticksBefore = cpuTicks(pid);
    const requestsBefore = backendRequests;
    const windowStartMs = performance.now();
    await new Promise((resolve) => setTimeout(resolve, steadyWindowMs));
    const windowS = (performance.now() - windowStartMs) / 1000;
    const cpuPercent = ((cpuTicks(pid) - ticksBefore) / clockTicksPerSecond / windowS) * 100;
    const runsPerS = (backendRequests - requestsBefore) / windowS;
    console.log(`steady state: agent CPU ${cpuPercent.toFixed(1)}% of one core (target < 25%), RSS ${rssMiB(pid).toFixed(0)} MiB, ${runsPerS.toFixed(0)} check runs/s`);

    // Detection: flip a sample of backends to 500 and watch /v1/health/state/critical block and answer.
    const indexResponse = await pool.request({ path: '/v1/health/state/critical', method: 'GET' });
    await indexResponse.body.dump();
    let index = String(indexResponse.headers['x-consul-index']);
    const sample = Array.from({ length: flipped }, (_, k) => Math.floor((k * checks) / flipped));
    const flippedAtMs = performance.now();
    for (const i of sample) unhealthy.add(`/health/${i}`);
    const seenAfterMs = new Map<string, number>();
    while (seenAfterMs.size < sample.length && performance.now() - flippedAtMs < phaseDeadlineMs) {
      const response = await pool.request({ path: `/v1/health/state/critical?index=${index}&wait=10s`, method: 'GET' });
      index = String(response.headers['x-consul-index']);
      const critical = (await response.body.json()) as { CheckID: string }[];
      const nowMs = performance.now();
      for (const check of critical) if (!seenAfterMs.has(check.CheckID)) seenAfterMs.set(check.CheckID, nowMs - flippedAtMs);
    }
    const latencies = [...seenAfterMs.values()].sort((a, b) => a - b);
    console.log(
      `unhealthy → critical in the catalog, ${latencies.length}/${sample.length} checks: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(0)} ms (target < 2000 ms = interval + 1 s)`,
    );
  } finally {
    await pool.close();
    await agent.stop();
    backend.closeAllConnections();
    backend.close();
  }
}

await main();
