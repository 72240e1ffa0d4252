// Goal: outlier detection as Envoy's consecutive_5xx detector on Consul's passive_health_check:
// eject after max_failures in a row (a success resets the run), for base_ejection_time × times
// ejected (capped), returned at expiry, bounded by max_ejection_percent (one host may always go
// when the percent is above 0), enforcing_consecutive_5xx as a probability, state dropped for
// endpoints that leave. Method: ManualClock and SeededRandom; exact ticks.

import test from 'ava';
import { ManualClock } from '../../src/lib/clock.js';
import { limits } from '../../src/lib/limits.js';
import { SeededRandom } from '../../src/lib/random.js';
import { OutlierDetector } from '../../src/proxy/balance/outlier.js';
import { outlierPolicyOf } from '../../src/proxy/l7/policy.js';

const policy = { consecutive5xx: 3, intervalMs: 10_000, baseEjectionMs: 30_000, maxEjectionPercent: 50, enforcingPercent: 100 };

function detector(over = {}) {
  const clock = new ManualClock();
  const ejections: [string, number][] = [];
  const outlier = new OutlierDetector({ ...policy, ...over }, clock, new SeededRandom(1), (key, ms) => ejections.push([key, ms]));
  outlier.setEndpoints(['a', 'b', 'c', 'd']);
  return { clock, outlier, ejections };
}

const fail = (outlier: OutlierDetector, key: string, times: number): void => {
  for (let i = 0; i < times; i++) outlier.report(key, true);
};

test('passive_health_check parsing: off without a block, Envoy defaults for left-out fields', (t) => {
  t.is(outlierPolicyOf({}).consecutive5xx, 0);
  t.deepEqual(outlierPolicyOf({ passive_health_check: { max_failures: 2, interval: '5s', base_ejection_time: '10s' } }), { consecutive5xx: 2, intervalMs: 5000, baseEjectionMs: 10_000, maxEjectionPercent: 10, enforcingPercent: 100 });
  t.like(outlierPolicyOf({ PassiveHealthCheck: { MaxFailures: 1, MaxEjectionPercent: 100, EnforcingConsecutive5xx: 50, BaseEjectionTime: 2e9 } }), { consecutive5xx: 1, maxEjectionPercent: 100, enforcingPercent: 50, baseEjectionMs: 2000 });
  t.is(outlierPolicyOf({ passive_health_check: {} }).consecutive5xx, 5);
});

test('ejects after max_failures in a row; a success resets the run', (t) => {
  const { outlier, ejections } = detector();
  fail(outlier, 'a', 2);
  outlier.report('a', false);
  fail(outlier, 'a', 2);
  t.false(outlier.isEjected('a'));
  outlier.report('a', true);
  t.true(outlier.isEjected('a'));
  t.deepEqual(ejections, [['a', 30_000]]);
});

test('returns at base × times ejected; the multiplier decays by one per interval in service', (t) => {
  const { clock, outlier, ejections } = detector();
  fail(outlier, 'a', 3);
  clock.advance(29_999);
  t.true(outlier.isEjected('a'));
  clock.advance(1);
  t.false(outlier.isEjected('a'), 'back exactly at base_ejection_time');
  fail(outlier, 'a', 3);
  t.deepEqual(ejections.at(-1), ['a', 60_000], 'second ejection: twice as long');
  clock.advance(60_000);
  t.false(outlier.isEjected('a'));
  clock.advance(20_000); // two intervals in service: multiplier 2 → 0
  fail(outlier, 'a', 3);
  t.deepEqual(ejections.at(-1), ['a', 30_000]);
  const capped = detector({ baseEjectionMs: 200_000 });
  for (let i = 0; i < 3; i++) {
    fail(capped.outlier, 'a', 3);
    capped.clock.advance(limits.proxyOutlierEjectionMsMax);
  }
  t.deepEqual(capped.ejections.map(([, ms]) => ms), [200_000, limits.proxyOutlierEjectionMsMax, limits.proxyOutlierEjectionMsMax]);
});

test('max_ejection_percent bounds the ejected share; one host may go whatever the percent', (t) => {
  const half = detector();
  for (const key of ['a', 'b', 'c']) fail(half.outlier, key, 3);
  t.is(half.outlier.ejectedCount(), 2, '50 % of 4');
  const tiny = detector({ maxEjectionPercent: 10 });
  for (const key of ['a', 'b']) fail(tiny.outlier, key, 3);
  t.is(tiny.outlier.ejectedCount(), 1, '0 % ejected < 10 % → the first goes; then 25 % ≥ 10 %');
  const none = detector({ maxEjectionPercent: 0 });
  fail(none.outlier, 'a', 3);
  t.is(none.outlier.ejectedCount(), 0);
});

test('enforcing percentage is a draw; disabled detector never ejects; gone endpoints forgotten', (t) => {
  const half = detector({ enforcingPercent: 50, maxEjectionPercent: 100 });
  let ejected = 0;
  for (let round = 0; round < 400; round++) {
    fail(half.outlier, 'a', 3);
    if (half.outlier.isEjected('a')) {
      ejected++;
      half.clock.advance(limits.proxyOutlierEjectionMsMax + 1);
    }
  }
  t.true(ejected > 150 && ejected < 250, `about half enforced: ${ejected}/400`);
  const off = detector({ consecutive5xx: 0 });
  fail(off.outlier, 'a', 100);
  t.false(off.outlier.isEjected('a'));
  const { outlier } = detector();
  fail(outlier, 'a', 3);
  outlier.setEndpoints(['b', 'c']);
  t.false(outlier.isEjected('a'));
});
