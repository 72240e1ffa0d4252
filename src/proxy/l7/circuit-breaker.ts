// Circuit breaking (upstream Config.limits, Consul's keys): at most max_concurrent_requests
// requests in flight to the upstream and max_pending_requests waiting for a slot; beyond that the
// proxy answers 503 at once (Envoy's "upstream overflow") instead of queueing without bound.
// Waiters are served in arrival order.

import { type Dispatch, localResponse } from './dispatch.js';

export interface CircuitLimits {
  /** 0 = no limit. */
  readonly maxConcurrentRequests: number;
  readonly maxPendingRequests: number;
}

export interface CircuitHooks {
  readonly onOverflow?: () => void;
}

export function withCircuitBreaker(dispatch: Dispatch, limitsOf: CircuitLimits, hooks: CircuitHooks = {}): Dispatch {
  if (limitsOf.maxConcurrentRequests <= 0) return dispatch;
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next !== undefined) next();
    else active--;
  };
  return async (request, signal) => {
    if (active >= limitsOf.maxConcurrentRequests) {
      if (waiting.length >= limitsOf.maxPendingRequests) {
        hooks.onOverflow?.();
        return localResponse(503, 'upstream overflow', { 'x-taxiway-overflow': 'true' });
      }
      // The slot is handed over by release(): `active` stays counted for us.
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      active++;
    }
    try {
      const response = await dispatch(request, signal);
      response.body.once('close', release);
      return response;
    } catch (error) {
      release();
      throw error;
    }
  };
}
