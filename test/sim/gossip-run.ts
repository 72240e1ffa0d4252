// Command-line gossip simulator: `npm run sim:gossip -- --members 1000 [--seeds 3] [--start 1] [--seed S]`.
// Runs runSeed() for each seed, prints one line per seed and a one-line repro for each failure
// (add failing seeds to gossip-regressions.json, which CI replays). Bounded: ≤ 2,000 members, ≤ 1,000 seeds.

import { reproLine, runSeed } from './gossip-scenarios.js';

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} needs a non-negative integer`);
  return value;
}

const members = Math.min(2_000, Math.max(3, argument('members', 100)));
const single = process.argv.includes('--seed') ? argument('seed', 1) : undefined;
const seedCount = Math.min(1_000, argument('seeds', 1));
const start = argument('start', 1);
const seeds = single !== undefined ? [single] : Array.from({ length: seedCount }, (_, i) => start + i);

let failed = 0;
for (const seed of seeds) {
  const began = performance.now();
  const r = runSeed(seed, members);
  const wallMs = Math.round(performance.now() - began);
  console.log(`seed ${seed} members ${members}: convergence ${r.convergenceMs ?? '-'} ms, detection ${r.detectionMs ?? '-'} ms (bound ${r.detectionBoundMs}), false failures during faults ${r.falsePositivesDuringFaults}, wall ${wallMs} ms`);
  if (r.failures.length > 0) {
    failed += 1;
    console.log(`FAIL ${reproLine(r)}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
