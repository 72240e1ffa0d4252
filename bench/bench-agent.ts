// What the benchmarks share: a real `taxiway agent -dev` process on its own loopback address
// (stopped by PID at exit, also on failure), its RSS, and percentiles.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
