// Retries (service-router Destination.NumRetries, RetryOnConnectFailure, RetryOnStatusCodes,
// RetryOn "5xx"): a failed attempt is sent again, up to NumRetries more times, after a jittered
// exponential backoff (Envoy's default: base 25 ms, cap 250 ms, full jitter from the injected
// Random). A retry budget caps retries in flight at a fraction of requests in flight (Envoy's
// default 20 %, at least 3), so retries cannot multiply load on a failing upstream.

import { sleepUnlessAborted } from '../../api/abortable-sleep.js';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import { discard, type Dispatch, DispatchError, type L7Response } from './dispatch.js';

export interface RetryPolicy {
  readonly numRetries: number;
  readonly retryOnConnectFailure: boolean;
  readonly retryOnStatusCodes: readonly number[];
  /** Any 5xx (Consul's RetryOn ["5xx"]). */
  readonly retryOn5xx: boolean;
}

export const backoffBaseMs = 25;
export const backoffMaxMs = 250;
const budgetFraction = 0.2;
const budgetMinRetries = 3;

/** Full jitter: uniform in [0, min(cap, base * 2^attempt)). */
export function backoffMs(retry: number, random: Random): number {
  return Math.floor(random.float() * Math.min(backoffMaxMs, backoffBaseMs * 2 ** retry));
}

function retryable(policy: RetryPolicy, outcome: { response?: L7Response; error?: unknown }): boolean {
  if (outcome.error !== undefined) return outcome.error instanceof DispatchError && outcome.error.kind === 'connect' && policy.retryOnConnectFailure;
  const status = outcome.response?.status ?? 0;
  return (policy.retryOn5xx && status >= 500) || policy.retryOnStatusCodes.includes(status);
}

export interface RetryHooks {
  readonly onRetry?: () => void;
}

export function withRetry(dispatch: Dispatch, policy: RetryPolicy, clock: Clock, random: Random, hooks: RetryHooks = {}): Dispatch {
  if (policy.numRetries <= 0) return dispatch;
  let inFlight = 0;
  let retriesInFlight = 0;
  return async (request, signal) => {
    inFlight++;
    try {
      for (let attempt = 0; ; attempt++) {
        const outcome: { response?: L7Response; error?: unknown } = await dispatch(request, signal).then(
          (response) => ({ response }),
          (error: unknown) => ({ error: error ?? new Error('dispatch failed') }),
        );
        const budget = Math.max(budgetMinRetries, Math.floor(inFlight * budgetFraction));
        const again = attempt < policy.numRetries && retryable(policy, outcome) && retriesInFlight < budget && !signal.aborted;
        if (!again) {
          if (outcome.response !== undefined) return { ...outcome.response, attempts: attempt + 1 };
          throw outcome.error;
        }
        if (outcome.response !== undefined) discard(outcome.response);
        hooks.onRetry?.();
        retriesInFlight++;
        try {
          if (!(await sleepUnlessAborted(clock, backoffMs(attempt, random), signal))) throw new DispatchError('reset', 'request cancelled');
        } finally {
          retriesInFlight--;
        }
      }
    } finally {
      inFlight--;
    }
  };
}
