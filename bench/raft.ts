// Raft library benchmark against the etcd anchor, in one command. Run: npm run bench:raft
//
// taxiway: three bench/raft-node.js processes on loopback, durable storage in a temp dir, election
// timeout 1000 ms (randomized to 2000) and heartbeat 100 ms — etcd's defaults. 64 concurrent
// proposers send 200-byte values (keys k0…k999) to the leader over the wire client protocol for
// BENCH_SECONDS (default 10, bounded to 500,000 requests) after 1 s of warm-up: commits/s and
// p50/p99 commit latency (proposal sent → entry applied on the leader → answer received). Then
// FAILOVERS (default 7: election timeouts are randomized over 1–2 s, so fewer samples say
// little) rounds of: kill -9 the leader, time until a PUT is committed through a surviving node
// (4 probers per survivor, 100 ms call timeout), restart the killed node and wait until it has
// caught up.
// etcd: /work/shared/anchors (ANCHORS to override): etcd-cluster.sh start 3, lib/kvload.mjs --api
// etcd PUT c=64 with 200-byte values to the leader, and kvload's own kill -9 failover, revived
// with etcd-cluster.sh revive between rounds. Needs etcd on PATH; if `which etcd` fails run
// /work/shared/anchors/install.sh as root (or: apt-get install etcd-server etcd-client).
// Both sides share this machine's cores with their load generator; read ratios, not absolutes.
// Before each load the bench waits (≤ 60 s) for the box to be ≥ 90 % idle (anchors' wait-quiet.sh).
// Client difference: kvload speaks HTTP/JSON to etcd, this bench speaks the wire protocol (msgpack
// frames, one multiplexed connection) to taxiway, which costs the client less CPU.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemClock } from '../src/lib/clock.js';
import { SeededRandom } from '../src/lib/random.js';
import { WirePool } from '../src/rpc/wire/index.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const failovers = Number(process.env.FAILOVERS ?? 7);
const concurrency = 64;
const requestsMax = 500_000;
const anchors = process.env.ANCHORS ?? '/work/shared/anchors';
const nodePath = fileURLToPath(new URL('./raft-node.js', import.meta.url));
const value = Buffer.alloc(200, 0x76);

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (≤ 60 s) until the machine is ≥ 90 % idle, like the anchors do; returns the idle % seen (NaN without anchors). */
function quiet(): number {
  const script = join(anchors, 'lib', 'wait-quiet.sh');
  if (!existsSync(script)) return Number.NaN;
  return Number(execFileSync('bash', [script, '60', '90'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN);
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

interface Status {
  id: number;
  leader: number;
  isLeader: boolean;
  term: number;
  applied: number;
}

class TaxiwayCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'taxiway-bench-raft-'));
  readonly children = new Map<number, ChildProcess>();
  readonly addresses = new Map<number, string>();
  readonly pool = new WirePool({ clock: new SystemClock(), random: new SeededRandom(1), protocol: 'client', version: 1, backoffMsBase: 10, backoffMsMax: 50 });

  async start(): Promise<void> {
    for (const id of [1, 2, 3]) this.addresses.set(id, `127.0.0.1:${await freePort()}`);
    await Promise.all([1, 2, 3].map((id) => this.launch(id)));
  }

  launch(id: number): Promise<void> {
    const peers = [...this.addresses].map(([peer, address]) => `${peer}=${address}`).join(',');
    const port = (this.addresses.get(id) ?? '').split(':')[1] ?? '0';
    const args = [...(process.env.RAFT_NODE_ARGS ?? '').split(' ').filter(Boolean), nodePath, '--id', String(id), '--dir', join(this.dir, `n${id}`), '--port', port, '--peers', peers];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.children.set(id, child);
    return new Promise((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`raft-node ${id} exited with ${code}`)));
    });
  }

  async status(id: number): Promise<Status | undefined> {
    try {
      return (await this.pool.call(this.addresses.get(id) ?? '', 'status', {}, { timeoutMs: 500 })) as Status;
    } catch {
      return undefined;
    }
  }

  /** The leader once every running node agrees on it and has applied within 100 entries of it. */
  async settledLeader(deadlineMs = 30_000): Promise<number> {
    const startMs = performance.now();
    while (performance.now() - startMs < deadlineMs) {
      const statuses = await Promise.all([...this.children.keys()].map((id) => this.status(id)));
      const leader = statuses.find((status) => status?.isLeader);
      if (leader !== undefined && statuses.every((status) => status !== undefined && status.leader === leader.id && leader.applied - status.applied < 100)) {
        if (await this.put(this.addresses.get(leader.id) ?? '', 0, 2_000)) return leader.id;
      }
      await sleepMs(50);
    }
    throw new Error('taxiway cluster did not settle');
  }

  async put(address: string, n: number, timeoutMs = 5_000): Promise<boolean> {
    try {
      await this.pool.call(address, 'put', { key: `k${n % 1000}`, value }, { timeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  kill(id: number): void {
    this.children.get(id)?.kill('SIGKILL');
    this.children.delete(id);
  }

  async stop(): Promise<void> {
    for (const child of this.children.values()) child.kill('SIGKILL');
    this.children.clear();
    await this.pool.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function taxiwayLoad(cluster: TaxiwayCluster): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const address = cluster.addresses.get(await cluster.settledLeader()) ?? '';
  console.log(`taxiway: idle before load ${quiet()} %`);
  const latencies: number[] = [];
  let measuring = false;
  let stop = false;
  let errors = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const startMs = performance.now();
      const ok = await cluster.put(address, next++);
      if (!measuring) continue;
      if (ok) latencies.push(performance.now() - startMs);
      else errors++;
      if (latencies.length + errors >= requestsMax) stop = true;
    }
  };
  const running = Array.from({ length: concurrency }, () => worker());
  await sleepMs(1_000);
  measuring = true;
  const startMs = performance.now();
  while (!stop && performance.now() - startMs < seconds * 1000) await sleepMs(20);
  stop = true;
  const elapsedS = (performance.now() - startMs) / 1000;
  await Promise.all(running);
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsedS, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

async function taxiwayFailover(cluster: TaxiwayCluster): Promise<number> {
  const leader = await cluster.settledLeader();
  const survivors = [...cluster.addresses].filter(([id]) => id !== leader).map(([, address]) => address);
  const startMs = performance.now();
  cluster.kill(leader);
  let doneMs = 0;
  let attempt = 0;
  const probers = survivors.flatMap((address) => [0, 1, 2, 3].map((k) => ({ address, k })));
  await Promise.all(
    probers.map(async ({ address, k }) => {
      await sleepMs(25 * k);
      while (doneMs === 0 && performance.now() - startMs < 30_000) {
        if (await cluster.put(address, attempt++, 100)) doneMs ||= performance.now();
        else await sleepMs(5);
      }
    }),
  );
  await cluster.launch(leader);
  return doneMs === 0 ? Number.NaN : doneMs - startMs;
}

function etcd(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(args[0] ?? '', args.slice(1), { cwd: anchors, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function etcdAnchor(): { rps: number; p50: number; p99: number; failoverMs: number[] } | undefined {
  if (!existsSync(join(anchors, 'etcd-cluster.sh'))) return undefined;
  try {
    execFileSync('which', ['etcd'], { stdio: 'ignore' });
  } catch {
    console.log('etcd not installed: run /work/shared/anchors/install.sh (root) for the comparison');
    return undefined;
  }
  const anchorDir = mkdtempSync(join(tmpdir(), 'taxiway-bench-etcd-'));
  const env = { ...process.env, ETCD_ANCHOR_DIR: anchorDir };
  try {
    const endpoints = etcd(['./etcd-cluster.sh', 'start', '3'], env).trim().split('\n').at(-1) ?? '';
    console.log(`etcd: idle before load ${quiet()} %`);
    const load = JSON.parse(etcd(['node', 'lib/kvload.mjs', '--api', 'etcd', '--endpoints', endpoints, '--op', 'put', '--concurrency', String(concurrency), '--duration', String(seconds), '--value-size', '200', '--label', 'etcd3 put c64 200B'], env)) as { rps: number; p50_ms: number; p99_ms: number };
    const failoverMs: number[] = [];
    for (let round = 0; round < failovers; round++) {
      const pids = [1, 2, 3].map((i) => etcd(['cat', join(anchorDir, `m${i}.pid`)], env).trim()).join(',');
      const result = JSON.parse(etcd(['node', 'lib/kvload.mjs', '--api', 'etcd', '--endpoints', endpoints, '--op', 'failover', '--pids', pids, '--label', 'etcd3 failover'], env)) as { failover_ms: number };
      failoverMs.push(result.failover_ms);
      etcd(['./etcd-cluster.sh', 'revive'], env);
    }
    return { rps: load.rps, p50: load.p50_ms, p99: load.p99_ms, failoverMs };
  } finally {
    etcd(['./etcd-cluster.sh', 'stop'], env);
    rmSync(anchorDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cluster = new TaxiwayCluster();
  const onSignal = (): void => void cluster.stop().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  let taxiway: { rps: number; p50: number; p99: number; errors: number; failoverMs: number[] };
  try {
    await cluster.start();
    const load = await taxiwayLoad(cluster);
    console.log(`taxiway put c64 200B: ${load.rps.toFixed(0)} commits/s, p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms, errors ${load.errors}`);
    const failoverMs: number[] = [];
    for (let round = 0; round < failovers; round++) {
      failoverMs.push(await taxiwayFailover(cluster));
      console.log(`taxiway failover ${round + 1}: ${failoverMs.at(-1)?.toFixed(0)} ms`);
    }
    taxiway = { ...load, failoverMs };
  } finally {
    await cluster.stop();
  }
  const anchor = etcdAnchor();
  const row = (name: string, ours: number, theirs: number | undefined, unit: string, better: 'higher' | 'lower'): void => {
    const ratio = theirs === undefined ? '' : `${(ours / theirs).toFixed(2)}x (${better} is better)`;
    console.log(`${name.padEnd(28)} ${`${ours.toFixed(1)} ${unit}`.padStart(16)} ${theirs === undefined ? '—'.padStart(16) : `${theirs.toFixed(1)} ${unit}`.padStart(16)}  ${ratio}`);
  };
  console.log(`\n${'3 nodes, loopback'.padEnd(28)} ${'taxiway'.padStart(16)} ${'etcd'.padStart(16)}  taxiway/etcd`);
  row('PUT c64 200 B throughput', taxiway.rps, anchor?.rps, '/s', 'higher');
  row('PUT c64 p50 latency', taxiway.p50, anchor?.p50, 'ms', 'lower');
  row('PUT c64 p99 latency', taxiway.p99, anchor?.p99, 'ms', 'lower');
  row('failover median (kill -9)', median(taxiway.failoverMs), anchor === undefined ? undefined : median(anchor.failoverMs), 'ms', 'lower');
  console.log(`failover samples: taxiway [${taxiway.failoverMs.map((ms) => ms.toFixed(0)).join(', ')}] ms; etcd [${anchor?.failoverMs.map((ms) => ms.toFixed(0)).join(', ') ?? ''}] ms`);
}

await main();
