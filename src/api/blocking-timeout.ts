// The time a blocking query needs on the client side; the client's bounds are in src/lib/limits.ts.

import { limits } from '../lib/limits.js';

/**
 * The whole-request timeout of a blocking query waiting up to `waitMs` (the server's default wait
 * when the caller gave none): the wait, the server's jitter, and slack to answer.
 */
export function blockingQueryTimeoutMs(waitMs: number | undefined): number {
  const wait = Math.min(waitMs ?? limits.blockingWaitMsDefault, limits.blockingWaitMsMax);
  // Whole milliseconds: AbortSignal.timeout refuses fractions (a 15 s wait with 1/16 jitter is not whole).
  return Math.ceil(wait + wait * limits.blockingJitterFraction + limits.apiBlockingQuerySlackMs);
}
