// Goal: the CI-sized reliability proof: a real 3-server cluster under kill -9 / restart, leader
// SIGSTOP / SIGCONT and iptables link cuts (when available) while clients PUT, CAS and GET, must
// keep every ?consistent history linearizable and lose no acknowledged write.
// Method: runChaos for a short, seeded run (the seed is printed; replay it with
// `npm run chaos -- --seed S --seconds N`); the long run is `npm run chaos -- --seconds 600`.

import { randomInt } from 'node:crypto';
import test from 'ava';
import { formatReport, runChaos } from './chaos.js';

const seconds = 30;

test('chaos: kill -9, leader pauses and link cuts keep KV linearizable and lose no acknowledged write', async (t) => {
  t.timeout(150_000);
  const seed = Number(process.env['TAXIWAY_CHAOS_SEED'] ?? randomInt(1, 2 ** 31));
  t.log(`seed ${seed}`);
  const report = await runChaos({ seed, seconds, clients: 3, log: (line) => t.log(line) });
  t.log(formatReport(report));
  t.true(report.faults.length >= 2, 'faults were injected');
  t.true((report.operations.byKind['put']?.ok ?? 0) > 0, 'some writes were acknowledged');
  t.deepEqual(report.verdicts.anomalies.filter((a) => a.scope === 'consistent'), [], `seed ${seed}`);
  t.deepEqual(report.verdicts.lostWrites, [], `seed ${seed}`);
});
