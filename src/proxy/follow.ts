// Following one agent endpoint with blocking queries: ask with ?index=<last>, hand every answer
// whose index moved to `onValue`, and on failure wait (doubling from a base, capped) before asking
// again. The index resets to 0 when it goes backwards (a restored server), as Consul's watch does.
// The loop ends when `stop` aborts; `onValue` runs synchronously so callers swap state atomically.

import type { ApiClient, QueryMeta, QueryOptions } from '../api/index.js';
import { sleepUnlessAborted } from '../api/abortable-sleep.js';
import type { Clock } from '../lib/clock.js';
import { limits } from '../lib/limits.js';

export interface FollowSpec<T> {
  /** For logs: "leaf", "roots", "upstream db", ... */
  readonly name: string;
  readonly path: string;
  readonly params?: QueryOptions['params'];
  readonly onValue: (value: T, meta: QueryMeta) => void;
  readonly onError?: (error: unknown, failures: number) => void;
}

export interface FollowDeps {
  readonly client: ApiClient;
  readonly clock: Clock;
  /** ?wait per query; limits.proxyWatchWaitMs when absent. */
  readonly waitMs?: number;
}

/** The pause after `failures` consecutive failures. */
export function followRetryMs(failures: number): number {
  return Math.min(limits.proxyWatchRetryMsMax, limits.proxyWatchRetryMsBase * 2 ** Math.max(0, failures - 1));
}

/** Resolves after the first answer (or rejects when `stop` aborts first); keeps following until `stop`. */
export function follow<T>(deps: FollowDeps, spec: FollowSpec<T>, stop: AbortSignal): { first: Promise<void>; done: Promise<void> } {
  let resolveFirst: () => void = () => undefined;
  let rejectFirst: (error: Error) => void = () => undefined;
  const first = new Promise<void>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  first.catch(() => undefined);
  const done = (async () => {
    let index = 0;
    let failures = 0;
    while (!stop.aborted) {
      try {
        const { value, meta } = await deps.client.query<T>(spec.path, { query: { index, waitMs: deps.waitMs ?? limits.proxyWatchWaitMs, params: spec.params }, signal: stop });
        failures = 0;
        const next = meta.lastIndex < index ? 0 : meta.lastIndex;
        if (next !== index || index === 0) spec.onValue(value, meta);
        resolveFirst();
        index = next;
        // An endpoint without X-Consul-Index cannot block: poll it slowly instead of spinning.
        if (meta.lastIndex === 0 && !(await sleepUnlessAborted(deps.clock, limits.proxyWatchRetryMsMax, stop))) break;
      } catch (error) {
        if (stop.aborted) break;
        failures++;
        spec.onError?.(error, failures);
        if (!(await sleepUnlessAborted(deps.clock, followRetryMs(failures), stop))) break;
      }
    }
    rejectFirst(new Error(`stopped before the first answer to ${spec.name}`));
  })();
  return { first, done };
}
