// Per-route request timeout (service-router Destination.RequestTimeout): the request is aborted
// and answered 504 when no response head arrived in time. The clock is injected, so tests advance
// it by hand.

import type { Clock } from '../../lib/clock.js';
import { type Dispatch, DispatchError } from './dispatch.js';

/** `timeoutMs` 0 = no timeout (dispatch unchanged). */
export function withTimeout(dispatch: Dispatch, clock: Clock, timeoutMs: number): Dispatch {
  if (timeoutMs <= 0) return dispatch;
  return (request, signal) => {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return new Promise((resolve, reject) => {
      const timer = clock.setTimer(timeoutMs, () => {
        controller.abort(new DispatchError('timeout', 'upstream request timeout'));
        reject(new DispatchError('timeout', 'upstream request timeout'));
      });
      dispatch(request, controller.signal).then(
        (response) => {
          timer.cancel();
          signal.removeEventListener('abort', onAbort);
          resolve(response);
        },
        (error: unknown) => {
          timer.cancel();
          signal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  };
}
