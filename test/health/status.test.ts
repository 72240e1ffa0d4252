// Goal: the status state machine reports a result only once its threshold of results in a row is
// met, exactly as Consul's StatusHandler. Method: table tests over result sequences, and a
// fast-check property comparing stepStatus with a direct model of the rules on random sequences.

import test from 'ava';
import fc from 'fast-check';
import { type CheckResult, initialCounters, type StatusCounters, stepStatus, thresholdsOf } from '../../src/health/status.js';
import type { CheckStatus } from '../../src/structs/check.js';

const result = (status: CheckStatus): CheckResult => ({ status, output: `out:${status}` });

/** Feeds `statuses` in; returns the status written after each result ("-" when held back). */
function run(statuses: CheckStatus[], definition: { SuccessBeforePassing: number; FailuresBeforeWarning: number; FailuresBeforeCritical: number }): string[] {
  const thresholds = thresholdsOf(definition);
  let counters: StatusCounters = initialCounters;
  return statuses.map((status) => {
    const step = stepStatus(counters, result(status), thresholds);
    counters = step.counters;
    return step.type === 'update' ? step.status : '-';
  });
}

const none = { SuccessBeforePassing: 0, FailuresBeforeWarning: 0, FailuresBeforeCritical: 0 };

const cases: [string, CheckStatus[], typeof none, string[]][] = [
  ['no thresholds: every result is written', ['passing', 'critical', 'warning'], none, ['passing', 'critical', 'warning']],
  ['SuccessBeforePassing 3', ['passing', 'passing', 'passing', 'passing'], { ...none, SuccessBeforePassing: 3 }, ['-', '-', 'passing', 'passing']],
  ['a failure resets the success count', ['passing', 'passing', 'critical', 'passing', 'passing', 'passing'], { ...none, SuccessBeforePassing: 3 }, ['-', '-', 'critical', '-', '-', 'passing']],
  ['FailuresBeforeCritical 2 without warning threshold: warning defaults to the same', ['critical', 'critical'], { ...none, FailuresBeforeCritical: 2 }, ['-', 'critical']],
  ['FailuresBeforeWarning 1, Critical 3', ['critical', 'critical', 'critical'], { ...none, FailuresBeforeWarning: 1, FailuresBeforeCritical: 3 }, ['warning', 'warning', 'critical']],
  ['a success resets the failure count', ['critical', 'passing', 'critical', 'critical'], { ...none, FailuresBeforeCritical: 2 }, ['-', 'passing', '-', 'critical']],
  ['a warning result counts as a success (Consul)', ['warning', 'warning'], { ...none, SuccessBeforePassing: 2 }, ['-', 'warning']],
];

for (const [name, statuses, definition, expected] of cases) {
  test(`stepStatus: ${name}`, (t) => {
    t.deepEqual(run(statuses, definition), expected);
  });
}

test('stepStatus carries the output of the result it writes', (t) => {
  const step = stepStatus(initialCounters, { status: 'critical', output: 'boom' }, thresholdsOf({ ...none, FailuresBeforeWarning: 1, FailuresBeforeCritical: 2 }));
  t.deepEqual(step, { type: 'update', counters: { successesInARow: 0, failuresInARow: 1 }, status: 'warning', output: 'boom' });
});

test('property: stepStatus matches a model of the counting rules', (t) => {
  const statusArbitrary = fc.constantFrom<CheckStatus>('passing', 'warning', 'critical');
  fc.assert(
    fc.property(fc.array(statusArbitrary, { maxLength: 40 }), fc.nat(5), fc.nat(5), fc.nat(5), (statuses, success, warning, critical) => {
      const definition = { SuccessBeforePassing: success, FailuresBeforeWarning: warning, FailuresBeforeCritical: critical };
      const warnAt = warning === 0 ? critical : warning;
      let successes = 0;
      let failures = 0;
      const model = statuses.map((status) => {
        if (status !== 'critical') {
          successes++;
          failures = 0;
          return successes >= success ? status : '-';
        }
        failures++;
        successes = 0;
        if (failures >= critical) return 'critical';
        return failures >= warnAt ? 'warning' : '-';
      });
      t.deepEqual(run(statuses, definition), model);
    }),
  );
});
