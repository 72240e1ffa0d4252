// Goal: Raft keeps its safety properties (election safety, log matching, leader completeness,
// state machine safety, linearizable reads and writes) under message loss, duplication,
// reordering, partitions, clock skew, crashes that lose unpersisted state, membership changes
// and leadership transfers; and it recovers (a leader, then a commit) once the faults heal.
// Method: the deterministic simulator (cluster.ts) over 2,000 seeds for each of 3- and 5-node
// clusters, in serial chunks of 100 seeds so each ava test reports quickly; then every seed in
// regressions.json.
// SEED=<n> [SIZE=3|5] replays one seed alone; a failure prints that command. Each regression
// entry names the bug its seed found and the simulator that found it: the simulator's draws
// have changed since, so they replay as extra seeds rather than as the original scenario.
// Many more seeds: npm run sim -- --seeds 100000.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { reproCommand, runSimulation } from './cluster.js';

const SEEDS = 2000;
const CHUNK = 100;

/**
 * Runs the seeds, yielding to the event loop between seeds so the worker can report progress
 * to ava (a long synchronous stretch would look like inactivity and trip ava's timeout).
 */
async function runSeeds(seeds: number[], sizes: number[]): Promise<{ runs: number; failures: string[] }> {
  const failures: string[] = [];
  let runs = 0;
  for (const seed of seeds) {
    await yieldToEventLoop();
    for (const clusterSize of sizes) {
      runs++;
      try {
        runSimulation({ seed, clusterSize });
      } catch (error) {
        failures.push(`seed ${seed} size ${clusterSize}: ${String(error)}\n  repro: ${reproCommand(seed, clusterSize)}`);
      }
    }
  }
  return { runs, failures };
}

const onlySeed = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const onlySize = process.env.SIZE === undefined ? undefined : Number(process.env.SIZE);

if (onlySeed !== undefined) {
  test(`seed ${onlySeed}`, async (t) => {
    const { failures } = await runSeeds([onlySeed], onlySize === undefined ? [3, 5] : [onlySize]);
    t.deepEqual(failures, []);
  });
} else {
  for (let from = 1; from <= SEEDS; from += CHUNK) {
    const seeds = Array.from({ length: Math.min(CHUNK, SEEDS - from + 1) }, (_, i) => from + i);
    test.serial(`seeds ${from}..${from + seeds.length - 1}, clusters of 3 and 5`, async (t) => {
      const { runs, failures } = await runSeeds(seeds, [3, 5]);
      t.is(runs, seeds.length * 2);
      t.deepEqual(failures, [], failures.join('\n'));
    });
  }

  test.serial('regression seeds replay clean', async (t) => {
    const path = new URL('../../../test/sim/regressions.json', import.meta.url);
    const regressions = JSON.parse(readFileSync(path, 'utf8')) as { seed: number; clusterSize: number; bug: string }[];
    const failures: string[] = [];
    for (const entry of regressions) failures.push(...(await runSeeds([entry.seed], [entry.clusterSize])).failures);
    t.deepEqual(failures, []);
  });
}
