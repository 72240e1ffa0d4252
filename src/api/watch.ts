// Consul's watch plan (api/watch/plan.go): read what a watch type names, hand the result to a
// handler, then block until the index moves and hand over the result again when it changed.
//
//   read(lastIndex) ──► same index as last time? ──► read again (the blocking query timed out)
//        │ error                │ new index
//        ▼                      ▼
//   back off 5 s × failures²    index went backwards? → next read from 0 (a restore or a new leader)
//   (≤ 180 s), lastIndex reset  result equal to the last one handed over? → read again
//                               else handler(index, result)

import type { Clock } from '../lib/clock.js';
import { sleepUnlessAborted } from './abortable-sleep.js';
import type { ApiClient } from './client.js';
import { readWatched, type WatchParams } from './watch-types.js';

/** Consul's retryInterval and maxBackoffTime. */
const watchRetryMsBase = 5_000;
const watchRetryMsMax = 180_000;

export interface WatchDeps {
  readonly client: ApiClient;
  readonly clock: Clock;
}

export interface WatchCallbacks {
  /** Called with each changed result; resolve false to stop the watch. */
  readonly onResult: (index: number, value: unknown) => Promise<boolean> | boolean;
  /** Called when a read failed, before the pause of `retryMs`. */
  readonly onError?: (error: unknown, retryMs: number) => void;
}

/** The index of the next read: Consul's WaitIndexVal.Next (back to 0 when the index went backwards). */
export function nextWatchIndex(index: number, previous: number | undefined): number {
  if (previous !== undefined && index < previous) return 0;
  return index;
}

/** The pause after `failures` failed reads in a row. */
export function watchRetryMs(failures: number): number {
  return Math.min(watchRetryMsBase * failures * failures, watchRetryMsMax);
}

/** Runs the watch until `stop` aborts or the handler asks to stop. */
export async function runWatch(deps: WatchDeps, params: WatchParams, callbacks: WatchCallbacks, stop: AbortSignal): Promise<void> {
  let lastIndex: number | undefined;
  let lastResult: string | undefined;
  let failures = 0;
  while (!stop.aborted) {
    let result;
    try {
      result = await readWatched(deps.client, params, lastIndex ?? 0, stop);
    } catch (error) {
      if (stop.aborted) return;
      failures++;
      lastIndex = undefined;
      const retryMs = watchRetryMs(failures);
      callbacks.onError?.(error, retryMs);
      if (!(await sleepUnlessAborted(deps.clock, retryMs, stop))) return;
      continue;
    }
    if (stop.aborted) return;
    failures = 0;
    if (lastIndex !== undefined && lastIndex === result.index) continue;
    const previous = lastIndex;
    lastIndex = nextWatchIndex(result.index, previous);
    // Consul compares results with reflect.DeepEqual; the JSON text is the same test for JSON values.
    const encoded = JSON.stringify(result.value);
    if (previous !== undefined && encoded === lastResult) continue;
    lastResult = encoded;
    if (!(await callbacks.onResult(result.index, result.value))) return;
  }
}
