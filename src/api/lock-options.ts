// What a KV lock and a KV semaphore share (Consul's api.LockOptions / api.SemaphoreOptions and
// their errors): the session they create, how long they wait, how they ride out a blip while
// watching what they hold, and the errors that tell "in use" apart from "not ours".

import type { Clock } from '../lib/clock.js';
import type { ApiClient } from './client.js';

/** The session TTL Consul's locks use when none is given; renewed at half of it. */
export const lockSessionTtlDefault = '15s';
/** How long one blocking read waits while the lock or semaphore is taken by others. */
export const lockWaitMsDefault = 15_000;
/**
 * The pause after a failed acquisition when nobody holds the key: a lock-delay is in effect
 * (the previous holder's session was invalidated), and polling faster would only spin.
 */
export const lockRetryMsDefault = 5_000;

export interface LockDeps {
  readonly client: ApiClient;
  readonly clock: Clock;
}

export interface ContenderOptions {
  /** The session's name, shown in /v1/session/list. */
  readonly sessionName: string;
  /** A Go duration; lockSessionTtlDefault when absent. */
  readonly sessionTtl?: string;
  /** The value written with the lock key or contender entry (none when absent). */
  readonly value?: Uint8Array;
  /** Times a failed read of the held key is retried (500s and transport errors only) before giving it up. */
  readonly monitorRetries: number;
  readonly monitorRetryMs: number;
  /** Try for at most `waitMs` and give up then, instead of waiting forever (Consul's LockTryOnce). */
  readonly tryOnce: boolean;
  readonly waitMs: number;
  /** Overrides lockRetryMsDefault (tests). */
  readonly retryMs?: number;
}

export type LockErrorCode = 'held' | 'not-held' | 'in-use' | 'conflict';

/** A misuse or a conflict, with Consul's wording ("Lock in use", "Semaphore in use", ...). */
export class LockError extends Error {
  override readonly name = 'LockError';

  constructor(
    readonly code: LockErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The message of anything thrown, for wrapping as Consul does ("failed to read lock: ..."). */
export function causeText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * How long the next blocking read of an acquisition may wait: the default, or what is left of a
 * try-once budget; undefined when that budget is spent (give up).
 */
export function nextWaitMs(options: ContenderOptions, clock: Clock, startMs: number, attempts: number): number | undefined {
  if (!options.tryOnce || attempts === 0) return lockWaitMsDefault;
  const elapsedMs = clock.monotonicMs() - startMs;
  if (elapsedMs > options.waitMs) return undefined;
  return Math.max(1, options.waitMs - elapsedMs);
}
