// What the benchmarks share: a real `taxiway agent -dev` process on its own loopback address
// (stopped by PID at exit, also on failure), its RSS, and percentiles.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cliPath, freeLoopbackAddress } from '../test/helpers/agent-process.js';

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** The p-th percentile of ascending samples. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface BenchAgent {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly host: string;
  readonly cleanup: () => void;
}

export async function startBenchAgent(): Promise<BenchAgent> {
  const host = await freeLoopbackAddress();
  const dir = mkdtempSync(join(tmpdir(), 'taxiway-bench-'));
  // Thousands of held long polls come from one client IP: lift Consul's 200-per-client default.
  writeFileSync(join(dir, 'bench.hcl'), `limits { http_max_conns_per_client = 20000 }\nlog_level = "warn"\n`);
  // BENCH_AGENT_NODE_ARGS passes flags to the agent's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_AGENT_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...nodeArgs, cliPath, 'agent', '-dev', '-bind', host, '-client', host, '-config-file', join(dir, 'bench.hcl')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const cleanup = (): void => {
    // SIGINT lets a profiling agent write its profile before it exits.
    if (child.exitCode === null) child.kill(nodeArgs.length > 0 ? 'SIGINT' : 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /HTTP API: (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { child, baseUrl, host, cleanup };
}

/** Long polls held open on one URL: when each was answered, and a promise for all of them. */
export interface HeldPolls {
  /** performance.now() of each answer, in the order they came. */
  readonly answeredAt: number[];
  /** Resolves once every poll is answered; rejects after `timeoutMs` from the call. */
  allAnswered(timeoutMs: number): Promise<void>;
  close(): void;
}

/**
 * Sends `count` GETs of `url` on their own connections and waits until the agent holds them all:
 * it reads requests in the order they became readable, so once it answers fresh probes through
 * `probe`, the earlier requests have been parsed and are waiting on their watch.
 */
export async function holdLongPolls(url: URL, count: number, probe: () => Promise<void>, deadlineMs: number): Promise<HeldPolls> {
  const agent = new HttpAgent({ keepAlive: false, maxSockets: Infinity });
  const answeredAt: number[] = [];
  let sent = 0;
  const all = new Promise<void>((resolve, reject) => {
    for (let i = 0; i < count; i++) {
      const req = httpRequest(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          answeredAt.push(performance.now());
          if (answeredAt.length === count) resolve();
        });
      });
      req.on('error', reject);
      req.end(() => sent++);
    }
  });
  const deadline = performance.now() + deadlineMs;
  while (sent < count && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 5; i++) await probe();
  return {
    answeredAt,
    allAnswered: (timeoutMs) =>
      Promise.race([all, new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`only ${answeredAt.length} of ${count} long polls answered`)), timeoutMs))]),
    close: () => agent.destroy(),
  };
}
