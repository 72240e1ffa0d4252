// The reliability proof: a real 3-server cluster (separate processes on their own loopback
// addresses), clients doing KV PUT / CAS / GET through random servers while faults are injected
// for a bounded time, then heal everything, read every key with ?consistent, and judge the
// history: linearizability per key and acknowledged writes lost. The seed fixes every random
// choice (faults, targets, hold times, operations, keys, servers); the interleaving itself comes
// from real processes and clocks, so a replay repeats the schedule, not the exact timing.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { SeededRandom } from '../../src/lib/random.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { FaultInjector, type FaultRecord, LinkCutter } from './faults.js';
import { History, judge, type Tally, tally, type Verdicts } from './history.js';
import { ChaosClient } from './workload.js';

export interface ChaosOptions {
  readonly seed: number;
  /** How long faults are injected (the run takes longer: start, heal, final reads, check). */
  readonly seconds: number;
  readonly clients?: number;
  readonly keys?: number;
  /** false: no iptables link cuts even when iptables is available. */
  readonly linkCuts?: boolean;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly seed: number;
  readonly seconds: number;
  readonly operations: Tally;
  readonly faults: readonly FaultRecord[];
  readonly linkCuts: 'iptables' | 'unavailable' | 'disabled';
  readonly verdicts: Verdicts;
  /** Where the history and the servers' log tails were written when something was found. */
  readonly evidence: string | undefined;
  readonly healedLeaderMs: number;
}

type Teardown = () => Promise<void> | void;

/** startCluster wants an ava context for its teardown; outside ava we collect teardowns ourselves. */
export function teardownContext(teardowns: Teardown[]): ExecutionContext {
  return { teardown: (fn: Teardown) => teardowns.push(fn) } as unknown as ExecutionContext;
}

const requestTimeoutMs = 4_000;
const finalReadDeadlineMs = 30_000;

async function finalReads(cluster: TestCluster, history: History, keys: number): Promise<Map<string, string>> {
  const reader = new ChaosClient(-1, history, new SeededRandom(0), () => cluster.servers.map((s) => s.host), { clients: 1, keys, requestTimeoutMs });
  const finals = new Map<string, string>();
  const end = performance.now() + finalReadDeadlineMs;
  for (let i = 0; i < keys; i++) {
    const key = `chaos/k${i}`;
    for (let attempt = 0; ; attempt++) {
      const server = cluster.servers[attempt % cluster.servers.length];
      const entry = server === undefined ? undefined : await reader.get(server.host, key, 'consistent');
      if (entry !== undefined) {
        finals.set(key, entry.value);
        break;
      }
      if (performance.now() > end) throw new Error(`no ?consistent read of ${key} answered within ${finalReadDeadlineMs} ms after healing`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return finals;
}

async function keepEvidence(history: History, cluster: TestCluster, faults: readonly FaultRecord[], seed: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `taxiway-chaos-${seed}-`));
  await writeFile(join(dir, 'history.json'), JSON.stringify({ seed, faults, operations: history.operations }, null, 1));
  for (const server of cluster.servers) await writeFile(join(dir, `${server.name}.log`), server.agent?.output() ?? '(not running)');
  return dir;
}

/** Three servers with a leader; on a loaded box a start can miss its deadline, so try twice. */
async function startServers(teardowns: Teardown[], log: (line: string) => void): Promise<TestCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      const cluster = await startCluster(teardownContext(teardowns), { servers: 3 });
      await cluster.waitForLeader(30_000);
      return cluster;
    } catch (error) {
      if (attempt === 2) throw error;
      log(`cluster start failed, again: ${(error as Error).message.split('\n')[0]}`);
      for (const teardown of teardowns.splice(0).reverse()) await teardown();
    }
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const teardowns: Teardown[] = [];
  const links = options.linkCuts === false ? undefined : new LinkCutter();
  let stopped = false;
  try {
    const linkCuts = links === undefined ? 'disabled' : (await links.install()) ? 'iptables' : 'unavailable';
    const cluster = await startServers(teardowns, log);
    log(`seed ${options.seed}: cluster ${cluster.servers.map((s) => `${s.name}=${s.host}`).join(' ')}; link cuts: ${linkCuts}`);
    const history = new History();
    const random = new SeededRandom(options.seed);
    const injector = new FaultInjector(cluster, random, linkCuts === 'iptables' ? links : undefined, () => history.elapsedMs(), log);
    const keys = options.keys ?? 12;
    const hosts = (): string[] => cluster.servers.map((server) => server.host);
    const clients = Array.from({ length: options.clients ?? 4 }, (_, id) => new ChaosClient(id, history, new SeededRandom(options.seed + 1 + id), hosts, { clients: 1, keys, requestTimeoutMs }));
    const running = clients.map((client) => client.run(() => stopped));
    const endMs = performance.now() + options.seconds * 1_000;
    while (performance.now() < endMs) {
      await injector.injectOne();
      await new Promise((resolve) => setTimeout(resolve, 500 + random.int(2_000)));
    }
    await injector.healAll();
    stopped = true;
    await Promise.all(running);
    const healStart = performance.now();
    await cluster.waitForLeader(30_000);
    const healedLeaderMs = Math.round(performance.now() - healStart);
    const finals = await finalReads(cluster, history, keys);
    const verdicts = judge(history.operations, finals);
    const found = verdicts.anomalies.length > 0 || verdicts.lostWrites.length > 0 || verdicts.inconclusive.length > 0;
    const evidence = found ? await keepEvidence(history, cluster, injector.injected, options.seed) : undefined;
    return { seed: options.seed, seconds: options.seconds, operations: tally(history.operations), faults: injector.injected, linkCuts, verdicts, evidence, healedLeaderMs };
  } finally {
    stopped = true;
    links?.removeSync();
    for (const teardown of teardowns.reverse()) await teardown();
  }
}

export function formatReport(report: ChaosReport): string {
  const lines = [`chaos seed ${report.seed}, ${report.seconds} s of faults (link cuts: ${report.linkCuts})`];
  lines.push(`operations: ${report.operations.total}`);
  for (const [kind, row] of Object.entries(report.operations.byKind)) lines.push(`  ${kind.padEnd(15)} ok ${row.ok}, failed ${row.failed}, unknown ${row.unknown}`);
  const byKind = new Map<string, number>();
  for (const fault of report.faults) byKind.set(fault.kind, (byKind.get(fault.kind) ?? 0) + 1);
  lines.push(`faults injected: ${report.faults.length} (${[...byKind].map(([kind, n]) => `${kind} ${n}`).join(', ')})`);
  lines.push(`leader after healing: ${report.healedLeaderMs} ms`);
  const consistent = report.verdicts.anomalies.filter((a) => a.scope === 'consistent');
  const defaultOnly = report.verdicts.anomalies.filter((a) => a.scope === 'default');
  lines.push(`anomalies (writes + ?consistent reads): ${consistent.length}`);
  lines.push(`anomalies (only with default-mode reads): ${defaultOnly.length}`);
  for (const anomaly of report.verdicts.anomalies) lines.push(`  ${anomaly.key} [${anomaly.scope}]: ${anomaly.reason}`);
  if (report.verdicts.inconclusive.length > 0) lines.push(`inconclusive keys (checker gave up): ${report.verdicts.inconclusive.join(', ')}`);
  lines.push(`acknowledged writes lost: ${report.verdicts.lostWrites.length}`);
  for (const lost of report.verdicts.lostWrites.slice(0, 10)) lines.push(`  ${lost.key}=${lost.value} (acked at ${lost.acknowledgedMs} ms) but final value ${JSON.stringify(lost.finalValue)}`);
  if (report.evidence !== undefined) lines.push(`evidence (history, server logs): ${report.evidence}; replay: npm run chaos -- --seed ${report.seed} --seconds ${report.seconds}`);
  return lines.join('\n');
}
