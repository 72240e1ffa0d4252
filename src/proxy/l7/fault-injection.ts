// Fault injection, as Envoy's fault filter: for `delayPercent` % of requests wait `delayMs` first,
// then for `abortPercent` % answer `abortStatus` without contacting the upstream (or, when the
// config gives a GrpcStatus, a trailers-only gRPC answer with that grpc-status). Two places set
// it (policy.ts parses both, Consul's Abort/Delay shape): the upstream service's service-defaults
// EnvoyExtensions builtin/fault-injection (the whole upstream; the deprecated Config.fault_injection
// still works), and a service-router route's Destination.FaultInjection (that route only). Each
// decision is one draw from the injected Random, so a seeded test gets exact counts.

import { sleepUnlessAborted } from '../../api/abortable-sleep.js';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import { type Dispatch, DispatchError, localResponse } from './dispatch.js';
import { grpcLocalResponse } from './grpc-local.js';

export interface FaultPolicy {
  readonly abortPercent: number;
  readonly abortStatus: number;
  /** Abort.GrpcStatus: the abort answers as gRPC does, HTTP 200 with this grpc-status. */
  readonly abortGrpcStatus?: number;
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
      if (policy.abortGrpcStatus === undefined) return localResponse(policy.abortStatus, 'fault filter abort', { 'x-taxiway-fault': 'abort' });
      const answer = grpcLocalResponse(policy.abortGrpcStatus, 'fault filter abort');
      return { ...answer, headers: { ...answer.headers, 'x-taxiway-fault': 'abort' } };
    }
    return dispatch(request, signal);
  };
}
