// Goal: the SWIM core keeps a cluster's membership right under faults: after loss, partitions,
// slow members and a kill heal, every live member's view converges to the truth; a member killed
// on a clean network is marked failed by every live member within the bound computed from the
// config (detectionBoundMs); a restarted member refutes its death; 10% packet loss causes no
// false failure. Method: the deterministic simulator (gossip-cluster.ts) over fixed seeds with
// 100 members, plus every seed in gossip-regressions.json; a failure prints a one-line repro.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { reproLine, runLossy, runSeed } from './gossip-scenarios.js';

const ciSeeds = [1, 2, 3];

for (const seed of ciSeeds) {
  test(`seed ${seed}, 100 members: converges after faults heal, detects a kill within the bound`, (t) => {
    const result = runSeed(seed, 100);
    t.log(`convergence ${result.convergenceMs} ms, detection ${result.detectionMs} ms (bound ${result.detectionBoundMs} ms)`);
    t.deepEqual(result.failures, [], reproLine(result));
  });
}

test('regression seeds replay clean', (t) => {
  const path = new URL('../../../test/sim/gossip-regressions.json', import.meta.url);
  const regressions = JSON.parse(readFileSync(path, 'utf8')) as { seed: number; members: number; bug: string }[];
  t.true(regressions.length > 0);
  for (const entry of regressions) {
    const result = runSeed(entry.seed, entry.members);
    t.deepEqual(result.failures, [], `${reproLine(result)} (was: ${entry.bug})`);
  }
});

test('small clusters (3 to 10 members) over 20 seeds each converge and detect', (t) => {
  for (const members of [3, 5, 10]) {
    for (let seed = 100; seed < 120; seed++) {
      const result = runSeed(seed, members);
      t.deepEqual(result.failures, [], reproLine(result));
    }
  }
});

test('10% packet loss for 60 s, 100 members, TCP fallback off: no member falsely declared failed', (t) => {
  const result = runLossy(7, 100, 0.1, 60_000, false);
  t.log(JSON.stringify(result));
  t.true(result.refutations > 0, 'the loss should have caused suspicions that were refuted');
  t.is(result.falseFailEvents, 0);
});
