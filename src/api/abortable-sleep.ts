// Waiting on a Clock that a caller can cut short: the retry pauses of locks and watches must end
// at once when the command is interrupted.

import type { Clock } from '../lib/clock.js';
import { ApiError, TransportError } from './api-error.js';

/** Resolves true after `delayMs`, or false as soon as `signal` aborts (at once if it already has). */
export function sleepUnlessAborted(clock: Clock, delayMs: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimer(delayMs, () => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Consul's IsRetryableError: no answer at all, or a 500 from the agent. */
export function isRetryableError(error: unknown): boolean {
  return error instanceof TransportError || (error instanceof ApiError && error.statusCode === 500);
}
