// Reconnect delay: exponential in the number of consecutive failures, capped, with ±50% jitter so
// agents that lost the same server do not redial it in lockstep. Pure; the pool supplies Random.

import type { Random } from '../../lib/random.js';

export function reconnectDelayMs(failures: number, baseMs: number, maxMs: number, random: Random): number {
  if (failures <= 0) return 0;
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.min(maxMs, Math.round(exponential * (0.5 + random.float())));
}
