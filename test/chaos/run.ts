// `npm run chaos -- [--seconds N] [--seed S] [--clients C] [--keys K] [--no-link-cuts]`: the
// reliability proof against a real 3-server cluster (see chaos.ts). Prints the seed first, the
// faults as they happen and the report at the end; exits 1 when an anomaly or a lost write is found.

import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { formatReport, runChaos } from './chaos.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    seed: { type: 'string' },
    clients: { type: 'string', default: '4' },
    keys: { type: 'string', default: '12' },
    'no-link-cuts': { type: 'boolean', default: false },
  },
});
const seed = values.seed === undefined ? randomInt(1, 2 ** 31) : Number(values.seed);
const seconds = Number(values.seconds);
if (!Number.isInteger(seed) || !(seconds > 0)) throw new Error('--seed must be an integer and --seconds positive');
console.log(`chaos: seed ${seed} (replay with --seed ${seed}), ${seconds} s of faults`);
// Ctrl-C: exit through process.exit so the exit handlers remove the iptables chain and kill the servers.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));
const report = await runChaos({ seed, seconds, clients: Number(values.clients), keys: Number(values.keys), linkCuts: !values['no-link-cuts'], log: (line) => console.log(line) });
console.log(formatReport(report));
const failed = report.verdicts.anomalies.some((a) => a.scope === 'consistent') || report.verdicts.lostWrites.length > 0;
process.exit(failed ? 1 : 0);
