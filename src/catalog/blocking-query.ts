// Blocking queries: the one implementation of Consul's ?index=&wait= long poll.
//
// Rules (Consul's agent/blockingquery and agent/http.go setIndex):
//  1. Without a minimum index (absent or 0) the query runs once and returns.
//  2. Otherwise the query runs, and if its result index is not above the minimum it waits for a
//     change to any watch key the run read, then runs again; until the index passes the minimum,
//     the wait (default 5 min, clamped to 10 min, plus up to wait/16 random jitter) elapses, or the
//     caller goes away (the abort signal). A timeout returns the latest result, same index: normal.
//  3. A result index is never 0: it is clamped to 1, so clients that treat 0 as "no blocking
//     support" keep working and an index=0 loop cannot spin.
//  4. Each wait registers on exactly the keys of the latest run and unregisters before returning,
//     so an abandoned query leaves nothing behind.
//  5. A snapshot restore wakes every query, and a query woken by one re-runs once and returns
//     even if its index did not pass the minimum: the restored indexes may be lower than the
//     client's, and a client seeing an index go back starts over (Consul's AbandonCh).

import type { Clock } from '../lib/clock.js';
import { limits } from '../lib/limits.js';
import type { Random } from '../lib/random.js';
import type { StateStore } from './store.js';
import { WatchSet } from './watch.js';

export interface QueryResult<T> {
  readonly index: number;
  readonly value: T;
}

export interface BlockingOptions {
  /** Return only once the result index is above this (0 = do not block). */
  readonly minIndex: number;
  /** Longest wait requested by the client in ms (0 = the default). */
  readonly maxWaitMs: number;
  readonly signal?: AbortSignal;
}

export interface BlockingDeps {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly random: Random;
}

/** The wait a client gets for a requested ?wait=: default when 0, clamped, plus jitter. */
export function effectiveWaitMs(requestedMs: number, random: Random): number {
  const waitMs = requestedMs <= 0 ? limits.blockingWaitMsDefault : Math.min(requestedMs, limits.blockingWaitMsMax);
  return waitMs + random.float() * waitMs * limits.blockingJitterFraction;
}

export async function blockingQuery<T>(deps: BlockingDeps, options: BlockingOptions, run: (watch: WatchSet) => QueryResult<T>): Promise<QueryResult<T>> {
  const runOnce = (watch: WatchSet): QueryResult<T> => {
    const result = run(watch);
    return result.index >= 1 ? result : { index: 1, value: result.value };
  };
  if (options.minIndex <= 0) return runOnce(new WatchSet());
  const deadlineMs = deps.clock.monotonicMs() + effectiveWaitMs(options.maxWaitMs, deps.random);
  for (;;) {
    const watch = new WatchSet();
    const result = runOnce(watch);
    if (result.index > options.minIndex) return result;
    const remainingMs = deadlineMs - deps.clock.monotonicMs();
    if (remainingMs <= 0 || isAborted(options.signal)) return result;
    const restores = deps.store.restoreCount;
    const changed = await waitForChange(deps, watch.keys, remainingMs, options.signal);
    if (deps.store.restoreCount !== restores) return runOnce(new WatchSet());
    // On timeout the client gets the latest state; after an abort nobody is listening.
    if (!changed) return isAborted(options.signal) ? result : runOnce(new WatchSet());
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Resolves true when a watched key changes, false on timeout or abort; always unregisters. */
function waitForChange(deps: BlockingDeps, keys: Iterable<string>, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (changed: boolean): void => {
      if (finished) return;
      finished = true;
      unwatch();
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      resolve(changed);
    };
    const onAbort = (): void => finish(false);
    const unwatch = deps.store.watch(keys, () => finish(true));
    const timer = deps.clock.setTimer(timeoutMs, () => finish(false));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
