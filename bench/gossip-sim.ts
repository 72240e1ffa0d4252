// Gossip figures from the deterministic simulator (no real sockets: the real-process bench comes
// with the driver). `npm run bench:gossip-sim [-- --members 100 --kills 10]`.
//
// For 100 members at a 200 ms probe interval (memberlist's LAN config scaled ÷5, fastConfig):
//   detection    kill → every live member emitted 'fail' (clean network, 1–5 ms delay), per kill
//   convergence  a 30/70 partition held 8 s (past gossipToTheDead) then healed → all views agree
//   join         10 new members join through one seed → all views agree
//   false fails  'fail' events about live members over the whole run, and under 10% loss for 60 s
//   bytes/s      UDP bytes sent per member per second, steady state and under 10% loss

import { SeededRandom } from '../src/lib/random.js';
import { GossipCluster } from '../test/sim/gossip-cluster.js';
import { detectionBoundMs, divergence, fastConfig, measureDetection, runLossy, runUntilConverged } from '../test/sim/gossip-scenarios.js';
import type { SwimConfig } from '../src/gossip/index.js';

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

const members = Math.min(1_000, argument('members', 100));
const kills = Math.min(50, argument('kills', 10));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function figures(label: string, configFor: (name: string) => SwimConfig): void {
  const cluster = new GossipCluster(42, configFor);
  cluster.addMembers(members, true);
  cluster.run(5_000);
  const random = new SeededRandom(4242);
  const bytesAt = (): number => [...cluster.members.values()].reduce((s, m) => s + m.bytesSent, 0);
  const steadyStart = bytesAt();
  const steadyFrom = cluster.nowMs;
  cluster.run(cluster.nowMs + 20_000);
  const steadyBytesPerSecond = (bytesAt() - steadyStart) / members / ((cluster.nowMs - steadyFrom) / 1000);

  const killed = new Set<string>();
  const detections: number[] = [];
  for (let i = 0; i < kills; i++) {
    const live = cluster.upMembers().map((m) => m.name);
    const victim = live[random.int(live.length)] as string;
    killed.add(victim);
    const ms = measureDetection(cluster, victim, 60_000);
    if (ms !== undefined) detections.push(ms);
    cluster.run(cluster.nowMs + 2_000);
  }
  detections.sort((a, b) => a - b);

  const isFalseFail = (e: (typeof cluster.events)[number]): boolean => e.type === 'fail' && !killed.has(e.member.name) && cluster.get(e.member.name).up;
  const falseFailsBeforePartition = cluster.events.filter(isFalseFail).length;
  for (const m of cluster.members.values()) if (random.float() < 0.3) cluster.partition.set(m.name, 1);
  cluster.run(cluster.nowMs + 8_000);
  cluster.partition.clear();
  const healMs = runUntilConverged(cluster, 120_000);
  const afterHeal = cluster.events.length;

  const seed = cluster.upMembers()[0]?.name as string;
  const before = cluster.members.size;
  cluster.addMembers(10, false);
  for (let i = before; i < before + 10; i++) {
    const joiner = cluster.get(`m${i}`);
    joiner.core.join(seed);
    cluster.drain(joiner);
  }
  const joinMs = runUntilConverged(cluster, 120_000);
  const falseFailsAfterHeal = cluster.events.slice(afterHeal).filter(isFalseFail).length;
  const config = configFor('m0');
  console.log(`${label}  (${members} members, probe ${config.probeIntervalMs} ms, suspicion mult ${config.suspicionMult}×${config.suspicionMaxTimeoutMult})`);
  console.log(`  detection  kill → all marked failed: p50 ${percentile(detections, 0.5)} ms, max ${detections.at(-1)} ms over ${detections.length}/${kills} kills (bound ${detectionBoundMs(config, members)} ms)`);
  console.log(`  converge   after an 8 s 30/70 partition heals: ${healMs ?? 'NOT converged'} ms; 10 joins through one seed: ${joinMs ?? 'NOT converged'} ms ${divergence(cluster) ?? ''}`);
  console.log(`  bytes      ${Math.round(steadyBytesPerSecond)} B/s per member, steady state (clean network)`);
  console.log(`  false fails (a live member declared failed): ${falseFailsBeforePartition} during the kills, ${falseFailsAfterHeal} after the heal (verdicts during the partition are right: those members were unreachable)`);
}

const started = performance.now();
figures('LAN ÷5', fastConfig);
figures('LAN ÷5, suspicion mult 3', (name) => ({ ...fastConfig(name), suspicionMult: 3 }));
const lossy = runLossy(42, members, 0.1, 60_000, false);
console.log(`10% loss for 60 s, TCP fallback off: ${lossy.falseFailEvents} false fail events (${lossy.membersFalselyFailed}/${members} members), ${lossy.refutations} suspicions refuted, max awareness ${lossy.maxAwarenessScore}, ${lossy.bytesPerSecondPerMember} B/s per member`);
const lossyTcp = runLossy(43, members, 0.1, 60_000, true);
console.log(`10% loss for 60 s, TCP fallback on:  ${lossyTcp.falseFailEvents} false fail events, ${lossyTcp.refutations} suspicions refuted, ${lossyTcp.bytesPerSecondPerMember} B/s per member`);
console.log(`wall ${Math.round(performance.now() - started)} ms`);
