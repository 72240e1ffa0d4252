// Circuit breaking (upstream Config.limits, Consul's keys, Envoy's thresholds), upstream-wide:
//   max_concurrent_requests (Envoy max_requests): requests in flight, waiting ones included; one
//     more is refused at once.
//   max_connections: HTTP/1.1 carries one request per connection, so at most this many requests
//     are on the wire (and each endpoint's pool opens at most this many connections, targets.ts);
//     beyond it a request waits, first come first served, for a connection to free up...
//   max_pending_requests: ...if fewer than this are waiting already (Envoy's default 1024 when
//     the block leaves it out), else it is refused.
// A refusal is Envoy's overflow answer: 503, `x-envoy-overloaded: true`, counted by onOverflow.
// 0 (or absent) max_connections / max_concurrent_requests = no such limit.

import { type Dispatch, DispatchError, localResponse } from './dispatch.js';

export interface CircuitLimits {
  /** 0 = no limit. */
  readonly maxConnections: number;
  /** 0 = no limit. */
  readonly maxConcurrentRequests: number;
  readonly maxPendingRequests: number;
}

export interface CircuitHooks {
  readonly onOverflow?: () => void;
  /** Told the number of requests waiting for a connection whenever it changes. */
  readonly onPending?: (waiting: number) => void;
}

/** Envoy's default for every threshold a cluster leaves out. */
export const envoyDefaultThreshold = 1024;

export function overflowResponse(): ReturnType<typeof localResponse> {
  return localResponse(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow', { 'x-envoy-overloaded': 'true' });
}

export function withCircuitBreaker(dispatch: Dispatch, limitsOf: CircuitLimits, hooks: CircuitHooks = {}): Dispatch {
  const { maxConnections, maxConcurrentRequests, maxPendingRequests } = limitsOf;
  if (maxConnections <= 0 && maxConcurrentRequests <= 0) return dispatch;
  let requests = 0;
  let onWire = 0;
  const waiting: (() => void)[] = [];
  const overflow = (): ReturnType<typeof localResponse> => {
    hooks.onOverflow?.();
    return overflowResponse();
  };
  const release = (): void => {
    requests--;
    const next = waiting.shift();
    // The connection is handed over to the next waiter: `onWire` stays counted for it.
    if (next !== undefined) {
      hooks.onPending?.(waiting.length);
      next();
    } else onWire--;
  };
  return async (request, signal) => {
    if (maxConcurrentRequests > 0 && requests >= maxConcurrentRequests) return overflow();
    if (maxConnections > 0 && onWire >= maxConnections) {
      if (waiting.length >= maxPendingRequests) return overflow();
      requests++;
      const handedOver = await new Promise<boolean>((resolve) => {
        const go = (): void => {
          signal.removeEventListener('abort', cancel);
          resolve(true);
        };
        const cancel = (): void => {
          const at = waiting.indexOf(go);
          if (at >= 0) waiting.splice(at, 1);
          hooks.onPending?.(waiting.length);
          requests--;
          resolve(false);
        };
        waiting.push(go);
        hooks.onPending?.(waiting.length);
        signal.addEventListener('abort', cancel, { once: true });
      });
      if (!handedOver) throw new DispatchError('reset', 'request cancelled while pending');
    } else {
      requests++;
      onWire++;
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
