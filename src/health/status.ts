// The passing/warning/critical state machine of one check, as Consul's StatusHandler runs it:
// a run's result only becomes the check's status once enough results in a row agree.
//
//   passing or warning result: successes += 1, failures = 0; reported once successes ≥ SuccessBeforePassing
//   critical result:           failures += 1, successes = 0; reported critical once failures ≥ FailuresBeforeCritical,
//                              else warning once failures ≥ FailuresBeforeWarning (which defaults to
//                              FailuresBeforeCritical), else nothing
//
// Pure and synchronous: the caller feeds results in and applies the update it gets back.

import type { CheckStatus } from '../structs/check.js';

/** What one run of a check found. `output` is already bounded by the runner. */
export interface CheckResult {
  readonly status: CheckStatus;
  readonly output: string;
}

export interface StatusThresholds {
  readonly successBeforePassing: number;
  readonly failuresBeforeWarning: number;
  readonly failuresBeforeCritical: number;
}

/** Consecutive results of one kind; at most one of the two is non-zero after the first result. */
export interface StatusCounters {
  readonly successesInARow: number;
  readonly failuresInARow: number;
}

export const initialCounters: StatusCounters = { successesInARow: 0, failuresInARow: 0 };

/** What a result does: set the check's status (and output), or leave it as it is while a threshold is not met. */
export type StatusStep =
  | { readonly type: 'update'; readonly counters: StatusCounters; readonly status: CheckStatus; readonly output: string }
  | { readonly type: 'hold'; readonly counters: StatusCounters; readonly reason: 'below-success-threshold' | 'below-failure-threshold' };

/** FailuresBeforeWarning unset (0) means "same as FailuresBeforeCritical" (Consul's NewStatusHandler). */
export function thresholdsOf(definition: { SuccessBeforePassing: number; FailuresBeforeWarning: number; FailuresBeforeCritical: number }): StatusThresholds {
  const failuresBeforeWarning = definition.FailuresBeforeWarning === 0 ? definition.FailuresBeforeCritical : definition.FailuresBeforeWarning;
  return { successBeforePassing: definition.SuccessBeforePassing, failuresBeforeWarning, failuresBeforeCritical: definition.FailuresBeforeCritical };
}

export function stepStatus(counters: StatusCounters, result: CheckResult, thresholds: StatusThresholds): StatusStep {
  if (result.status === 'passing' || result.status === 'warning') {
    const next = { successesInARow: counters.successesInARow + 1, failuresInARow: 0 };
    if (next.successesInARow >= thresholds.successBeforePassing) return { type: 'update', counters: next, status: result.status, output: result.output };
    return { type: 'hold', counters: next, reason: 'below-success-threshold' };
  }
  const next = { successesInARow: 0, failuresInARow: counters.failuresInARow + 1 };
  if (next.failuresInARow >= thresholds.failuresBeforeCritical) return { type: 'update', counters: next, status: 'critical', output: result.output };
  if (next.failuresInARow >= thresholds.failuresBeforeWarning) return { type: 'update', counters: next, status: 'warning', output: result.output };
  return { type: 'hold', counters: next, reason: 'below-failure-threshold' };
}
