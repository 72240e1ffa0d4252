// Gossip benchmark, two parts, both on real sockets and bounded in count and time:
//
// 1. Real processes: GOSSIP_BENCH_AGENTS (default 5, max 10) `taxiway agent` processes (one dev
//    server, the rest clients) with gossip_lan at a 200 ms probe interval. GOSSIP_BENCH_ROUNDS
//    (default 3) times: SIGKILL one client, time until every other agent lists it failed
//    (detection), restart it under the same name, time until every agent lists it alive again
//    (recovery). Any other member seen not alive during the run is a false positive.
// 2. In-process pools: GOSSIP_BENCH_POOLS (default 20, max 50) GossipPools on 127.0.x.y, same
//    timings: UDP+TCP bytes per second per member in a quiet pool, then detection of one closed pool.
//
// Run: npm run build && node dist/bench/gossip.js

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { GossipPool } from '../src/gossip/driver/index.js';
import { SystemClock } from '../src/lib/clock.js';
import { CryptoRandom } from '../src/lib/random.js';
import { startDevAgent, type DevAgent } from '../test/helpers/agent-process.js';
import { percentile } from './bench-agent.js';

const timing = { probeIntervalMs: 200, probeTimeoutMs: 100, gossipIntervalMs: 50, suspicionMult: 2 };
const gossipHcl = 'gossip_lan {\n  probe_interval = "200ms"\n  probe_timeout = "100ms"\n  gossip_interval = "50ms"\n  suspicion_mult = 2\n}\nlog_level = "warn"\n';
const phaseDeadlineMs = 30_000;

const envInt = (name: string, fallback: number, max: number): number => Math.min(max, Math.max(1, Number(process.env[name] ?? fallback) || fallback));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function statuses(agent: DevAgent): Promise<Map<string, number>> {
  const response = await request(`${agent.baseUrl}/v1/agent/members`);
  const members = (await response.body.json()) as { Name: string; Status: number }[];
  return new Map(members.map((m) => [m.Name, m.Status]));
}

/** Polls every 25 ms until every agent in `observers` sees `node` with `status`; returns ms since `startMs`. */
async function timeUntil(observers: readonly DevAgent[], node: string, status: number, startMs: number, falsePositives: Set<string>, healthy: readonly string[]): Promise<number> {
  for (;;) {
    const views = await Promise.all(observers.map(statuses));
    for (const view of views) for (const name of healthy) if (view.has(name) && view.get(name) !== 1) falsePositives.add(name);
    if (views.every((view) => view.get(node) === status)) return performance.now() - startMs;
    if (performance.now() - startMs > phaseDeadlineMs) throw new Error(`${node} not at status ${status} everywhere within ${phaseDeadlineMs} ms`);
    await sleep(25);
  }
}

async function realProcesses(): Promise<void> {
  const count = envInt('GOSSIP_BENCH_AGENTS', 5, 10);
  const rounds = envInt('GOSSIP_BENCH_ROUNDS', 3, 10);
  const dir = await mkdtemp(join(tmpdir(), 'taxiway-gossip-bench-'));
  const config = join(dir, 'gossip.hcl');
  await writeFile(config, gossipHcl);
  const agents: DevAgent[] = [];
  try {
    const server = await startDevAgent(['-node', 'srv', '-config-file', config, '-dns-port', '-1']);
    agents.push(server);
    const startClient = (name: string): Promise<DevAgent> => startDevAgent(['-node', name, '-data-dir', join(dir, name), '-join', server.host, '-config-file', config, '-dns-port', '-1'], { dev: false });
    for (let i = 1; i < count; i++) agents.push(await startClient(`c${i}`));
    const names = ['srv', ...agents.slice(1).map((_, i) => `c${i + 1}`)];
    const falsePositives = new Set<string>();
    await timeUntil(agents, names[names.length - 1]!, 1, performance.now(), new Set(), []);
    const detections: number[] = [];
    const recoveries: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const index = 1 + (round % (count - 1));
      const victim = names[index]!;
      const others = agents.filter((_, i) => i !== index);
      const healthy = names.filter((_, i) => i !== index);
      const killedMs = performance.now();
      await agents[index]!.stop('SIGKILL');
      detections.push(await timeUntil(others, victim, 4, killedMs, falsePositives, healthy));
      const restartMs = performance.now();
      agents[index] = await startClient(victim);
      recoveries.push(await timeUntil(agents, victim, 1, restartMs, falsePositives, healthy));
    }
    detections.sort((a, b) => a - b);
    recoveries.sort((a, b) => a - b);
    console.log(`real processes: ${count} agents, 200 ms probe interval, ${rounds} kill -9 rounds`);
    console.log(`  detection (kill → failed on every agent): p50 ${percentile(detections, 50).toFixed(0)} ms, max ${detections[detections.length - 1]!.toFixed(0)} ms`);
    console.log(`  recovery (restart → alive on every agent, incl. process start): p50 ${percentile(recoveries, 50).toFixed(0)} ms, max ${recoveries[recoveries.length - 1]!.toFixed(0)} ms`);
    console.log(`  false positives (a live member seen not alive): ${falsePositives.size === 0 ? 'none' : [...falsePositives].join(', ')}`);
  } finally {
    await Promise.all(agents.map((agent) => agent.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  }
}

async function inProcessPools(): Promise<void> {
  const count = envInt('GOSSIP_BENCH_POOLS', 20, 50);
  const subnet = 1 + Math.floor(Math.random() * 250);
  const encryption = { keyring: undefined, verifyIncoming: true, verifyOutgoing: true };
  const pools: GossipPool[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const host = `127.1.${subnet}.${i + 2}`;
      pools.push(await GossipPool.start({ name: `p${i}`, bindHost: host, port: 0, advertiseHost: host, meta: {}, timing, encryption, clock: new SystemClock(), random: new CryptoRandom() }));
    }
    const joinedMs = performance.now();
    for (const pool of pools.slice(1)) await pool.join([pools[0]!.address]);
    while (!pools.every((p) => p.members().filter((m) => m.status === 'alive').length === count)) {
      if (performance.now() - joinedMs > phaseDeadlineMs) throw new Error('pools did not converge');
      await sleep(10);
    }
    const convergenceMs = performance.now() - joinedMs;
    const before = pools.map((p) => p.stats().bytesSent);
    const windowMs = 5_000;
    await sleep(windowMs);
    const rates = pools.map((p, i) => ((p.stats().bytesSent - before[i]!) * 1000) / windowMs).sort((a, b) => a - b);
    const victim = pools[count - 1]!;
    const killedMs = performance.now();
    await victim.close();
    const others = pools.slice(0, -1);
    while (!others.every((p) => p.member(victim.name)?.status === 'failed')) {
      if (performance.now() - killedMs > phaseDeadlineMs) throw new Error('closed pool not detected');
      await sleep(10);
    }
    const detectionMs = performance.now() - killedMs;
    console.log(`in-process pools: ${count} members on real UDP/TCP, 200 ms probe interval`);
    console.log(`  join convergence (sequential joins → all see all alive): ${convergenceMs.toFixed(0)} ms`);
    console.log(`  UDP bytes sent per member per second (quiet pool): p50 ${percentile(rates, 50).toFixed(0)} B/s, max ${rates[rates.length - 1]!.toFixed(0)} B/s`);
    console.log(`  detection (close → failed on all ${count - 1} others): ${detectionMs.toFixed(0)} ms`);
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}

await inProcessPools();
await realProcesses();
