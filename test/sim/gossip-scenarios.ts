// Gossip simulation scenarios and checkers, shared by the CI test (gossip-sim.test.ts), the
// command-line runner (gossip-run.ts) and the figure (bench/gossip-sim.ts).
//
// Checkers: convergence (every live member sees every live member alive and every killed member
// dead/left or reaped), detection within a bound computed from the config, and false positives
// (a live member declared failed by anyone).

import { SeededRandom } from '../../src/lib/random.js';
import { lanDefaults, retransmitLimit, suspicionMinTimeoutMs, type SwimConfig } from '../../src/gossip/index.js';
import { GossipCluster } from './gossip-cluster.js';

/** memberlist's DefaultLANConfig scaled to a 200 ms probe interval (every period and timeout ÷ 5). */
export function fastConfig(name: string): SwimConfig {
  return {
    ...lanDefaults,
    name,
    address: name,
    meta: {},
    probeIntervalMs: 200,
    probeTimeoutMs: 100,
    gossipIntervalMs: 40,
    gossipToTheDeadMs: 6_000,
    pushPullIntervalMs: 6_000,
    reconnectIntervalMs: 6_000,
  };
}

/**
 * Kill → every live member marks the victim failed, bounded from the config:
 *   first probe   with n−1 probers each visiting the victim once per pass in random order, the chance
 *                 nobody probes it in j periods is ≈ e^−j; j = 10 (≈ 5·10⁻⁵), plus the failing period;
 *   suspicion     at most the Lifeguard maximum, suspicionMaxTimeoutMult × min;
 *   spread        twice the retransmit window (the suspect, then the dead) in gossip rounds.
 */
export function detectionBoundMs(config: SwimConfig, memberCount: number): number {
  const firstSuspicionMs = 11 * config.probeIntervalMs;
  const suspicionMaxMs = suspicionMinTimeoutMs(config.suspicionMult, memberCount, config.probeIntervalMs) * config.suspicionMaxTimeoutMult;
  const spreadMs = retransmitLimit(config.retransmitMult, memberCount) * config.gossipIntervalMs;
  return firstSuspicionMs + suspicionMaxMs + 2 * spreadMs;
}

/** The first disagreement between live members' views and the truth, or undefined when converged. */
export function divergence(cluster: GossipCluster): string | undefined {
  const all = [...cluster.members.values()];
  for (const observer of cluster.upMembers()) {
    for (const subject of all) {
      const state = observer.core.memberState(subject.name);
      if (subject.up) {
        if (state !== 'alive') return `${observer.name} sees live ${subject.name} as ${state ?? 'unknown'}`;
      } else if (state !== undefined && state !== 'dead' && state !== 'left') {
        return `${observer.name} sees killed ${subject.name} as ${state}`;
      }
    }
  }
  return undefined;
}

/** Runs until converged (checking every 100 ms) or `limitMs` passed; returns the time taken or undefined. */
export function runUntilConverged(cluster: GossipCluster, limitMs: number): number | undefined {
  const start = cluster.nowMs;
  while (cluster.nowMs - start < limitMs) {
    if (divergence(cluster) === undefined) return cluster.nowMs - start;
    cluster.run(cluster.nowMs + 100);
  }
  return divergence(cluster) === undefined ? cluster.nowMs - start : undefined;
}

/** Kills `victim` and runs until every live member marked it failed; the detection time or undefined. */
export function measureDetection(cluster: GossipCluster, victim: string, limitMs: number): number | undefined {
  const killedAt = cluster.nowMs;
  cluster.kill(victim);
  const firstEvent = cluster.events.length;
  const observers = new Set(cluster.upMembers().map((m) => m.name));
  while (cluster.nowMs - killedAt < limitMs) {
    cluster.run(cluster.nowMs + 10);
    for (let i = firstEvent; i < cluster.events.length; i++) {
      const event = cluster.events[i];
      if (event !== undefined && event.member.name === victim && event.type === 'fail') observers.delete(event.observer);
    }
    if (observers.size === 0) return cluster.nowMs - killedAt;
  }
  return undefined;
}

/** 'fail' events about members that were up when the event was recorded... since `fromEvent`. */
export function falsePositives(cluster: GossipCluster, fromEvent: number, killed: ReadonlySet<string>): number {
  let count = 0;
  for (let i = fromEvent; i < cluster.events.length; i++) {
    const event = cluster.events[i];
    if (event?.type === 'fail' && !killed.has(event.member.name)) count += 1;
  }
  return count;
}

export interface SeedResult {
  seed: number;
  members: number;
  failures: string[];
  convergenceMs?: number;
  detectionMs?: number;
  detectionBoundMs: number;
  falsePositivesDuringFaults: number;
}

/**
 * One seeded run: warm up; 10 s of faults (10% loss, a partition for 4 s, two slow members, one
 * member killed); heal and require convergence; then kill another member with the network clean
 * and require detection by all within detectionBoundMs; restart the first victim and require convergence again.
 */
export function runSeed(seed: number, memberCount: number): SeedResult {
  const random = new SeededRandom(seed ^ 0x5eed);
  const cluster = new GossipCluster(seed, fastConfig);
  cluster.addMembers(memberCount, true);
  const bound = detectionBoundMs(fastConfig('m0'), memberCount);
  const result: SeedResult = { seed, members: memberCount, failures: [], detectionBoundMs: bound, falsePositivesDuringFaults: 0 };
  cluster.run(3_000);
  const names = [...cluster.members.keys()];
  const pick = (): string => names[random.int(names.length)] as string;
  const killed = new Set<string>([pick()]);
  const slow = [pick(), pick()];
  const faultStart = cluster.events.length;
  cluster.faults = { lossRate: 0.1, delayMsMin: 1, delayMsMax: 20 };
  for (const name of killed) cluster.kill(name);
  for (const name of slow) cluster.get(name).slowMs = 100 + random.int(200);
  cluster.run(cluster.nowMs + 3_000);
  for (const name of names) if (random.float() < 0.3) cluster.partition.set(name, 1);
  cluster.run(cluster.nowMs + 4_000);
  cluster.partition.clear();
  cluster.run(cluster.nowMs + 3_000);
  result.falsePositivesDuringFaults = falsePositives(cluster, faultStart, killed);
  cluster.faults = { lossRate: 0, delayMsMin: 1, delayMsMax: 5 };
  for (const name of slow) cluster.get(name).slowMs = 0;
  const convergenceMs = runUntilConverged(cluster, 60_000);
  if (convergenceMs === undefined) result.failures.push(`no convergence within 60 s of healing: ${divergence(cluster) ?? ''}`);
  else result.convergenceMs = convergenceMs;
  const live = cluster.upMembers().map((m) => m.name);
  const victim = live[random.int(live.length)] as string;
  const detectionMs = measureDetection(cluster, victim, bound);
  if (detectionMs === undefined) result.failures.push(`${victim} not marked failed by all within ${bound} ms`);
  else result.detectionMs = detectionMs;
  // A killed member comes back as a new process: it must refute its death and be seen alive by all.
  for (const name of killed) cluster.restart(name, live.find((n) => n !== victim) as string);
  if (runUntilConverged(cluster, 30_000) === undefined) result.failures.push(`no convergence within 30 s of a restart: ${divergence(cluster) ?? ''}`);
  return result;
}

export function reproLine(result: SeedResult): string {
  return `npm run sim:gossip -- --seed ${result.seed} --members ${result.members}   # ${result.failures.join('; ')}`;
}

export interface LossResult {
  members: number;
  durationMs: number;
  lossRate: number;
  /** 'fail' events (observer, subject) about live members. */
  falseFailEvents: number;
  /** Live members declared failed by at least one member. */
  membersFalselyFailed: number;
  refutations: number;
  /** UDP bytes sent per member per second, piggybacked broadcasts included. */
  bytesPerSecondPerMember: number;
  maxAwarenessScore: number;
}

/** No deaths, only loss: every 'fail' is a false positive (after a warm-up without loss). */
export function runLossy(seed: number, memberCount: number, lossRate: number, durationMs: number, tcpFallbackProbe = true): LossResult {
  const cluster = new GossipCluster(seed, (name) => ({ ...fastConfig(name), tcpFallbackProbe }));
  cluster.addMembers(memberCount, true);
  cluster.run(3_000);
  const firstEvent = cluster.events.length;
  const bytesBefore = [...cluster.members.values()].reduce((sum, m) => sum + m.bytesSent, 0);
  cluster.faults = { lossRate, delayMsMin: 1, delayMsMax: 10 };
  let maxAwarenessScore = 0;
  const start = cluster.nowMs;
  while (cluster.nowMs - start < durationMs) {
    cluster.run(cluster.nowMs + 1_000);
    for (const m of cluster.members.values()) maxAwarenessScore = Math.max(maxAwarenessScore, m.core.stats().awarenessScore);
  }
  const bytesAfter = [...cluster.members.values()].reduce((sum, m) => sum + m.bytesSent, 0);
  const falsely = new Set<string>();
  let falseFailEvents = 0;
  for (let i = firstEvent; i < cluster.events.length; i++) {
    const event = cluster.events[i];
    if (event?.type !== 'fail') continue;
    falseFailEvents += 1;
    falsely.add(event.member.name);
  }
  const refutations = [...cluster.members.values()].reduce((sum, m) => sum + m.core.stats().refutations, 0);
  return {
    members: memberCount,
    durationMs,
    lossRate,
    falseFailEvents,
    membersFalselyFailed: falsely.size,
    refutations,
    bytesPerSecondPerMember: Math.round((bytesAfter - bytesBefore) / memberCount / (durationMs / 1000)),
    maxAwarenessScore,
  };
}
