// bench:cluster — a real taxiway cluster (3 server processes + 1 client agent, each on its own
// loopback address) against the etcd anchor (3 members, /work/shared/anchors), driven by the same
// closed-loop client (anchors/lib/kvload.mjs, --api consul|etcd), side by side as ratios:
//   KV PUT at concurrency 1 / 16 / 64 through the client agent (and c64 straight to the leader),
//   ?consistent GET at 16 / 64, default-mode GET at 64 (taxiway only: etcd has no such mode),
//   failover: kill -9 the leader, milliseconds until a PUT is acknowledged again (probers as kvload:
//   4 per survivor 25 ms apart), several rounds; for taxiway also seen through the client agent.
// Bounded: each load runs --duration seconds (default 5) and at most 500,000 requests.
//   npm run bench:cluster -- [--duration 5] [--failovers 3] [--no-etcd]
// Other sessions share the box's 2 cores: compare ratios within one run, not absolute figures.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { teardownContext } from '../test/chaos/chaos.js';
import { startCluster, type TestCluster } from '../test/helpers/cluster.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, failovers: { type: 'string', default: '3' }, 'no-etcd': { type: 'boolean', default: false } } });
const duration = values.duration;
const failovers = Number(values.failovers);
const anchors = process.env['TAXIWAY_ANCHORS'] ?? '/work/shared/anchors';
const kvload = join(anchors, 'lib/kvload.mjs');

interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

async function load(api: 'consul' | 'etcd', endpoints: string, op: string, concurrency: number, target: string): Promise<LoadResult> {
  const args = [kvload, '--api', api, '--endpoints', endpoints, '--op', op, '--concurrency', String(concurrency), '--target', target, '--duration', duration];
  const { stdout } = await run(process.execPath, args, { timeout: (Number(duration) + 60) * 1_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as LoadResult;
}

/**
 * Closed-loop GETs with fetch (kvload's consul GET is always ?consistent, so default-mode reads
 * need their own loader; it also runs ?consistent to show what the loader itself costs).
 */
async function fetchReads(url: string, query: string, concurrency: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + Number(duration) * 1_000;
  const worker = async (w: number): Promise<void> => {
    for (let i = w; performance.now() < end && latencies.length < 500_000; i += concurrency) {
      const started = performance.now();
      const response = await fetch(`${url}/v1/kv/bench/k${i % 200}${query}`).catch(() => undefined);
      await response?.arrayBuffer();
      if (response?.status === 200) latencies.push(performance.now() - started);
      else errors += 1;
    }
  };
  const startedAll = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - startedAll) / 1_000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN) * 1000) / 1000;
  return { rps: Math.round(latencies.length / seconds), p50_ms: pct(50), p99_ms: pct(99), errors };
}

async function put(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/kv/bench/failover`, { method: 'PUT', body: 'x', signal: AbortSignal.timeout(timeoutMs) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Kill -9 the leader; ms until the first acknowledged PUT by any prober (4 per URL, 25 ms apart). */
async function probeOutage(urls: readonly string[], kill: () => void, timeoutMs: number): Promise<number> {
  const started = performance.now();
  kill();
  let done: number | undefined;
  await Promise.all(
    urls.flatMap((url) =>
      [0, 1, 2, 3].map(async (k) => {
        await new Promise((resolve) => setTimeout(resolve, 25 * k));
        while (done === undefined && performance.now() - started < 30_000) {
          if (await put(url, timeoutMs)) done ??= performance.now();
          else await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    ),
  );
  return done === undefined ? NaN : Math.round(done - started);
}

async function taxiwayFailover(cluster: TestCluster, viaClient: boolean): Promise<number> {
  const leader = await cluster.waitForLeader(30_000);
  const survivors = cluster.servers.filter((server) => server !== leader);
  const client = cluster.clients[0];
  const urls = viaClient && client !== undefined ? [cluster.url(client)] : survivors.map((server) => cluster.url(server));
  for (const url of urls) for (let ok = 0, i = 0; ok < 10 && i < 300; i++) ok = (await put(url, 1_000)) ? ok + 1 : 0;
  // Through the client agent a PUT is held by the router across the election, so it gets longer.
  const ms = await probeOutage(urls, () => leader.agent?.child.kill('SIGKILL'), viaClient ? 5_000 : 100);
  await cluster.stop(leader, 'SIGKILL');
  await cluster.start(leader);
  await cluster.waitForLeader(30_000);
  return ms;
}

type Row = { label: string; taxiway: LoadResult | number; etcd?: LoadResult | number };
const rows: Row[] = [];
const rowsPush = rows.push.bind(rows);
rows.push = (...added: Row[]): number => {
  for (const row of added) console.log(`taxiway ${row.label}: ${JSON.stringify(row.taxiway)}`);
  return rowsPush(...added);
};

async function benchTaxiway(): Promise<void> {
  const teardowns: (() => Promise<void> | void)[] = [];
  try {
    const cluster = await startCluster(teardownContext(teardowns), { servers: 3, clients: 1 });
    const leader = await cluster.waitForLeader(30_000);
    const client = cluster.clients[0];
    if (client === undefined) throw new Error('no client agent');
    const viaClient = cluster.url(client);
    for (let i = 0; i < 100 && !(await put(viaClient, 2_000)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const c of [1, 16, 64]) rows.push({ label: `PUT c${c} (via client agent)`, taxiway: await load('consul', viaClient, 'put', c, 'first') });
    rows.push({ label: 'PUT c64 (to the leader)', taxiway: await load('consul', cluster.url(leader), 'put', 64, 'first') });
    for (const c of [16, 64]) rows.push({ label: `GET ?consistent c${c} (via client agent)`, taxiway: await load('consul', viaClient, 'get', c, 'first') });
    rows.push({ label: 'GET default c64 (client agent, fetch loader)', taxiway: await fetchReads(viaClient, '', 64) });
    rows.push({ label: 'GET ?consistent c64 (client agent, fetch loader)', taxiway: await fetchReads(viaClient, '?consistent', 64) });
    for (let i = 0; i < failovers; i++) rows.push({ label: `failover ${i + 1}: kill -9 leader -> PUT ok (ms)`, taxiway: await taxiwayFailover(cluster, false) });
    for (let i = 0; i < failovers; i++) rows.push({ label: `failover ${i + 1}, seen via client agent (ms)`, taxiway: await taxiwayFailover(cluster, true) });
  } finally {
    for (const teardown of teardowns.reverse()) await teardown();
  }
}

async function etcdPids(dir: string): Promise<string> {
  const pids = await Promise.all([1, 2, 3].map((i) => readFile(join(dir, `m${i}.pid`), 'utf8')));
  return pids.map((pid) => pid.trim()).join(',');
}

async function benchEtcd(): Promise<void> {
  const script = join(anchors, 'etcd-cluster.sh');
  const env = { ...process.env, ETCD_ANCHOR_DIR: `/tmp/taxiway-bench-cluster-etcd-${process.pid}` };
  const stop = (): void => {
    spawn('bash', [script, 'stop'], { env, stdio: 'ignore' });
  };
  process.once('exit', stop);
  try {
    const { stdout } = await run('bash', [script, 'start', '3'], { env });
    const endpoints = stdout.trim().split('\n').at(-1) ?? '';
    const label = (text: string): Row | undefined => rows.find((row) => row.label === text);
    for (const c of [1, 16, 64]) {
      const result = await load('etcd', endpoints, 'put', c, 'leader');
      const row = label(`PUT c${c} (via client agent)`);
      if (row) row.etcd = result;
      if (c === 64) {
        const leaderRow = label('PUT c64 (to the leader)');
        if (leaderRow) leaderRow.etcd = result;
      }
    }
    for (const c of [16, 64]) {
      const row = label(`GET ?consistent c${c} (via client agent)`);
      if (row) row.etcd = await load('etcd', endpoints, 'get', c, 'leader');
    }
    for (let i = 0; i < failovers; i++) {
      const args = [kvload, '--api', 'etcd', '--endpoints', endpoints, '--op', 'failover', '--pids', await etcdPids(env.ETCD_ANCHOR_DIR)];
      const { stdout: out } = await run(process.execPath, args, { timeout: 60_000 });
      const row = label(`failover ${i + 1}: kill -9 leader -> PUT ok (ms)`);
      if (row) row.etcd = (JSON.parse(out.trim()) as { failover_ms: number }).failover_ms;
      await run('bash', [script, 'revive'], { env });
    }
  } finally {
    await run('bash', [script, 'stop'], { env }).catch(() => undefined);
    process.off('exit', stop);
  }
}

function cell(value: LoadResult | number | undefined): string {
  if (value === undefined) return '-';
  if (typeof value === 'number') return `${value} ms`;
  return `${Math.round(value.rps)} rps p50 ${value.p50_ms} p99 ${value.p99_ms}${value.errors > 0 ? ` (${value.errors} errors)` : ''}`;
}

function ratio(row: Row): string {
  if (row.etcd === undefined) return '';
  if (typeof row.taxiway === 'number' && typeof row.etcd === 'number') return `${(row.taxiway / row.etcd).toFixed(2)}x time`;
  if (typeof row.taxiway !== 'number' && typeof row.etcd !== 'number') return `${(row.taxiway.rps / row.etcd.rps).toFixed(2)}x rps`;
  return '';
}

await benchTaxiway();
const etcdAvailable = !values['no-etcd'] && existsSync(kvload) && (await run('which', ['etcd']).then(() => true, () => false));
if (etcdAvailable) await benchEtcd();
else console.log('etcd anchor skipped (--no-etcd, or etcd / the anchors are missing: bash /work/shared/anchors/install.sh)');
console.log(`bench:cluster, ${duration} s per load, 3 servers + 1 client agent vs etcd 3 members (kvload.mjs for both)`);
console.log(`${'workload'.padEnd(48)} ${'taxiway'.padEnd(40)} ${'etcd'.padEnd(40)} taxiway/etcd`);
for (const row of rows) console.log(`${row.label.padEnd(48)} ${cell(row.taxiway).padEnd(40)} ${cell(row.etcd).padEnd(40)} ${ratio(row)}`);
