// Runs many simulator seeds from the command line: `npm run sim -- --seeds 100000 [--from N]
// [--size 3|5] [--chaos-ms 3000]`. Prints progress, the first failure with its repro command,
// and figures (runs per second, worst heal-to-leader and heal-to-commit times).

import { performance } from 'node:perf_hooks';
import { reproCommand, runSimulation, type SimStats } from './cluster.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

const seeds = option('seeds', 1000);
const from = option('from', 1);
const onlySize = option('size', 0);
const chaosMs = option('chaos-ms', 3000);
const sizes = onlySize === 0 ? [3, 5] : [onlySize];
const started = performance.now();
let runs = 0;
let worstLeaderMs = 0;
let worstCommitMs = 0;
let leaders = 0;
let applied = 0;
let failures = 0;
for (let seed = from; seed < from + seeds; seed++) {
  for (const clusterSize of sizes) {
    let stats: SimStats;
    try {
      stats = runSimulation({ seed, clusterSize, chaosMs });
    } catch (error) {
      failures++;
      console.log(`FAIL seed ${seed} size ${clusterSize}: ${String(error)}\n  repro: ${reproCommand(seed, clusterSize)}`);
      if (failures >= 5) process.exit(1);
      continue;
    }
    runs++;
    worstLeaderMs = Math.max(worstLeaderMs, stats.healToLeaderMs);
    worstCommitMs = Math.max(worstCommitMs, stats.healToCommitMs);
    leaders += stats.leadersElected;
    applied += stats.applied;
  }
  if ((seed - from + 1) % 1000 === 0) {
    const seconds = (performance.now() - started) / 1000;
    console.log(`${seed - from + 1}/${seeds} seeds, ${runs} runs ok, ${failures} failed, ${(runs / seconds).toFixed(0)} runs/s`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `${runs} runs ok, ${failures} failed in ${seconds.toFixed(1)} s (${(runs / seconds).toFixed(0)} runs/s); ` +
    `leaders elected ${leaders}, entries applied ${applied}; worst heal→leader ${worstLeaderMs} ms, heal→commit ${worstCommitMs} ms (simulated)`,
);
process.exit(failures > 0 ? 1 : 0);
