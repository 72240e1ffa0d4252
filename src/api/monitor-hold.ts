// Watching a lock or semaphore slot after it was taken (Consul's monitorLock): blocking reads of
// the key or prefix until the hold is gone, reads keep failing past the retry budget, or the
// holder stops watching. Losing the hold is what makes `taxiway lock` stop its child.

import type { Clock } from '../lib/clock.js';
import { isRetryableError, sleepUnlessAborted } from './abortable-sleep.js';

export interface HoldMonitorOptions {
  readonly clock: Clock;
  /** Failed reads tolerated in a row (reset by each successful read). */
  readonly retries: number;
  readonly retryMs: number;
}

/** One blocking read from `index`: the value and the index to block on next. */
export type HoldRead<T> = (index: number, stop: AbortSignal) => Promise<{ readonly value: T; readonly index: number }>;

export interface HoldMonitor {
  /** Aborts when the hold is lost (or the reads gave up). */
  readonly lost: AbortSignal;
  /** Stops watching (on release); `lost` then aborts too. */
  readonly stop: () => void;
}

export function monitorHold<T>(read: HoldRead<T>, stillHeld: (value: T) => boolean, options: HoldMonitorOptions): HoldMonitor {
  const lost = new AbortController();
  const stop = new AbortController();
  void watch(read, stillHeld, options, stop.signal).finally(() => lost.abort());
  return { lost: lost.signal, stop: () => stop.abort() };
}

async function watch<T>(read: HoldRead<T>, stillHeld: (value: T) => boolean, options: HoldMonitorOptions, stop: AbortSignal): Promise<void> {
  let index = 0;
  let retries = options.retries;
  while (!stop.aborted) {
    let value: T;
    try {
      const result = await read(index, stop);
      value = result.value;
      index = result.index;
    } catch (error) {
      if (stop.aborted || retries <= 0 || !isRetryableError(error)) return;
      retries--;
      index = 0;
      if (!(await sleepUnlessAborted(options.clock, options.retryMs, stop))) return;
      continue;
    }
    if (!stillHeld(value)) return;
    retries = options.retries;
  }
}
