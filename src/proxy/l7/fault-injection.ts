// Fault injection (upstream Config.fault_injection): for `abortPercent` % of requests answer
// `abortStatus` without contacting the upstream; for `delayPercent` % wait `delayMs` first. Each
// decision draws from the injected Random, so a seeded test gets exact counts. Config parsing is
// kept apart (l7/policy.ts) from this runtime wrapper.

import { sleepUnlessAborted } from '../../api/abortable-sleep.js';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import { type Dispatch, DispatchError, localResponse } from './dispatch.js';

export interface FaultPolicy {
  readonly abortPercent: number;
  readonly abortStatus: number;
  readonly delayPercent: number;
  readonly delayMs: number;
}

export function withFaults(dispatch: Dispatch, policy: FaultPolicy, clock: Clock, random: Random): Dispatch {
  if (policy.abortPercent <= 0 && (policy.delayPercent <= 0 || policy.delayMs <= 0)) return dispatch;
  return async (request, signal) => {
    if (policy.delayPercent > 0 && random.float() * 100 < policy.delayPercent) {
      if (!(await sleepUnlessAborted(clock, policy.delayMs, signal))) throw new DispatchError('reset', 'request cancelled');
    }
    if (policy.abortPercent > 0 && random.float() * 100 < policy.abortPercent) {
      return localResponse(policy.abortStatus, 'fault filter abort', { 'x-taxiway-fault': 'abort' });
    }
    return dispatch(request, signal);
  };
}
