// Goal: Lifeguard's suspicion arithmetic matches memberlist exactly (same timeouts for the same
// inputs), and a suspicion only shrinks for new, distinct confirmations up to k.
// Method: tables taken from memberlist's suspicion_test.go and util_test.go expectations, recomputed
// by hand from the formula in suspicion.ts; then the stateful helpers step by step.

import test from 'ava';
import { confirmSuspicion, expectedConfirmations, startSuspicion, suspicionMinTimeoutMs, suspicionTimeoutMs } from '../../src/gossip/suspicion.js';
import { applyAwarenessDelta, scaleByAwarenessMs } from '../../src/gossip/awareness.js';
import { retransmitLimit } from '../../src/gossip/broadcasts.js';

test('remaining time after n confirmations (memberlist TestSuspicion_remainingSuspicionTime)', (t) => {
  // [confirmations, k, elapsedMs, minMs, maxMs, remainingMs]
  const table: [number, number, number, number, number, number][] = [
    [0, 3, 0, 2_000, 30_000, 30_000],
    [1, 3, 2_000, 2_000, 30_000, 14_000], // log 2 / log 4 = ½ of the way down
    [2, 3, 3_000, 2_000, 30_000, 4_810], // log 3 / log 4 = 0.7925 → 7.81 s
    [3, 3, 4_000, 2_000, 30_000, -2_000], // k reached: the minimum
    [4, 3, 5_000, 2_000, 30_000, -3_000], // beyond k changes nothing
    [5, 3, 10_000, 2_000, 30_000, -8_000],
  ];
  for (const [n, k, elapsed, min, max, remaining] of table) {
    t.is(suspicionTimeoutMs(n, k, min, max) - elapsed, remaining, `n=${n}`);
  }
});

test('k < 1 means the minimum timeout at once', (t) => {
  t.is(suspicionTimeoutMs(0, 0, 2_000, 30_000), 2_000);
});

test('minimum timeout scales with log10(n) (memberlist TestSuspicionTimeout, mult 3, 1 s)', (t) => {
  const table: [number, number][] = [[5, 1_000], [10, 1_000], [50, 1_698], [100, 2_000], [500, 2_698], [1_000, 3_000]];
  for (const [n, perMult] of table) t.is(suspicionMinTimeoutMs(3, n, 1_000), 3 * perMult, `n=${n}`);
  t.is(suspicionMinTimeoutMs(4, 100, 200), 1_600, 'LAN mult at 200 ms: 4 × 2 × 200');
});

test('expected confirmations: suspicionMult − 2, or 0 when too few members could confirm', (t) => {
  t.is(expectedConfirmations(4, 100), 2);
  t.is(expectedConfirmations(4, 4), 2);
  t.is(expectedConfirmations(4, 3), 0);
  t.is(expectedConfirmations(2, 100), 0);
});

test('a suspicion shrinks only for distinct new confirmers, up to k', (t) => {
  const s = startSuspicion('a', 1_000, 2_000, 12_000, 2);
  t.is(s.deadlineMs, 13_000);
  t.false(confirmSuspicion(s, 'a'), 'the first suspector cannot confirm');
  t.true(confirmSuspicion(s, 'b'));
  t.is(s.deadlineMs, 1_000 + suspicionTimeoutMs(1, 2, 2_000, 12_000));
  t.false(confirmSuspicion(s, 'b'), 'repeat');
  t.true(confirmSuspicion(s, 'c'));
  t.is(s.deadlineMs, 3_000, 'k reached: minimum');
  t.false(confirmSuspicion(s, 'd'), 'beyond k is not news');
});

test('awareness: clamped score, timeouts scaled by score + 1', (t) => {
  t.is(applyAwarenessDelta(0, -1, 8), 0);
  t.is(applyAwarenessDelta(6, 3, 8), 7);
  t.is(applyAwarenessDelta(3, 2, 8), 5);
  t.is(scaleByAwarenessMs(500, 0), 500);
  t.is(scaleByAwarenessMs(500, 7), 4_000);
});

test('retransmit limit (memberlist TestRetransmitLimit)', (t) => {
  t.is(retransmitLimit(3, 0), 0);
  t.is(retransmitLimit(3, 1), 3);
  t.is(retransmitLimit(3, 99), 6);
  t.is(retransmitLimit(4, 100), 12);
});
