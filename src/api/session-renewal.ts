// Keeping a TTL session alive for as long as a lock or semaphore is held, as Consul's
// Session.RenewPeriodic does: renew at half the TTL; after a failed renewal retry every second;
// give up when a whole TTL passed without a successful renewal or the session is gone. Stopping
// destroys the session, which releases whatever it still locks.

import type { Clock } from '../lib/clock.js';
import { sleepUnlessAborted } from './abortable-sleep.js';
import type { ApiClient } from './client.js';
import { parseGoDuration } from '../lib/duration.js';
import { destroySession, renewSession } from './session.js';

/** Consul's wait after a failed renewal before the next try. */
const renewRetryMs = 1_000;

export interface SessionRenewal {
  /** Stops renewing and destroys the session (best effort: the TTL ends it anyway). */
  stop(): Promise<void>;
}

export function startSessionRenewal(client: ApiClient, clock: Clock, sessionId: string, ttlMs: number): SessionRenewal {
  const stopping = new AbortController();
  const loop = renewUntilStopped(client, clock, sessionId, ttlMs, stopping.signal);
  return {
    async stop(): Promise<void> {
      stopping.abort();
      await loop;
      try {
        await destroySession(client, sessionId);
      } catch {
        // Consul ignores this error too: an unreachable agent's session expires with its TTL.
      }
    },
  };
}

async function renewUntilStopped(client: ApiClient, clock: Clock, sessionId: string, initialTtlMs: number, signal: AbortSignal): Promise<void> {
  let ttlMs = initialTtlMs;
  let waitMs = ttlMs / 2;
  let lastRenewalMs = clock.monotonicMs();
  while (clock.monotonicMs() - lastRenewalMs <= ttlMs) {
    if (!(await sleepUnlessAborted(clock, waitMs, signal))) return;
    try {
      const entry = await renewSession(client, sessionId);
      if (entry === null) return; // expired or destroyed: nothing left to renew
      // The server may hand back a different TTL; follow it.
      ttlMs = parseGoDuration(entry.TTL) ?? ttlMs;
      waitMs = ttlMs / 2;
      lastRenewalMs = clock.monotonicMs();
    } catch {
      waitMs = renewRetryMs;
    }
  }
}
