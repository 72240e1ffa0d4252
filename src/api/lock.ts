// A mutual-exclusion lock on one KV key, as Consul's api.Lock implements it, so that taxiway's
// `lock` and Consul's interoperate on the same key:
//
//   acquire: create a TTL session (renewed in the background) → read the key, blocking while
//            another session holds it → ?acquire=<session> → on refusal with nobody holding it
//            (lock-delay after an invalidated session) pause, then read again
//   held:    a consistent blocking read of the key; the returned signal aborts once the key is
//            no longer held by our session (released, deleted, session invalidated)
//   release: ?release=<session>, then destroy the session
//   destroy: delete the key if nobody holds it (cleanup once the last user is done)

import { sleepUnlessAborted } from './abortable-sleep.js';
import { acquireKv, deleteKvCas, getKv, releaseKv, type KvPair } from './kv.js';
import { causeText, LockError, lockRetryMsDefault, lockSessionTtlDefault, nextWaitMs, type ContenderOptions, type LockDeps } from './lock-options.js';
import { parseGoDuration } from '../lib/duration.js';
import { createSession } from './session.js';
import { startSessionRenewal, type SessionRenewal } from './session-renewal.js';
import { type HoldRead, monitorHold } from './monitor-hold.js';

/** Consul's api.LockFlagValue, marking a key as a lock (not a semaphore): written as the exact uint64. */
export const lockFlagValue = 0x2ddccbc058a50c18n;

/** A key's flags mark it as a lock. JSON.parse reads the uint64 as the nearest double, so compare that. */
export function isLockFlags(flags: number): boolean {
  return flags === Number(lockFlagValue);
}

export interface LockOptions extends ContenderOptions {
  /** The lock key, e.g. "<prefix>/.lock". */
  readonly key: string;
}

export class KvLock {
  private held = false;
  private session = '';
  private renewal: SessionRenewal | undefined;
  private monitorStop: (() => void) | undefined;

  constructor(
    private readonly deps: LockDeps,
    private readonly options: LockOptions,
  ) {}

  /** The session holding (or trying for) the lock; "" before acquire. */
  get sessionId(): string {
    return this.session;
  }

  /**
   * Waits for the lock. Resolves with a signal that aborts when the lock is lost, or null when
   * `stop` aborted or a try-once budget ran out first.
   */
  async acquire(stop: AbortSignal): Promise<AbortSignal | null> {
    if (this.held) throw new LockError('held', 'Lock already held');
    const { client, clock } = this.deps;
    const ttl = this.options.sessionTtl ?? lockSessionTtlDefault;
    try {
      this.session = await createSession(client, { Name: this.options.sessionName, TTL: ttl });
    } catch (error) {
      throw new Error(`failed to create session: ${causeText(error)}`);
    }
    const renewal = startSessionRenewal(client, clock, this.session, parseGoDuration(ttl) ?? 15_000);
    let acquired = false;
    try {
      acquired = await this.waitAndAcquire(stop);
    } finally {
      if (!acquired) await renewal.stop();
    }
    if (!acquired) return null;
    this.renewal = renewal;
    this.held = true;
    return this.startMonitor();
  }

  private lockInput(): { flags: bigint; value?: Uint8Array } {
    return { flags: lockFlagValue, ...(this.options.value === undefined ? {} : { value: this.options.value }) };
  }

  private async readLock(index: number, waitMs: number, stop: AbortSignal): Promise<{ pair: KvPair | null; index: number } | undefined> {
    try {
      const result = await getKv(this.deps.client, this.options.key, { index, waitMs }, stop);
      return { pair: result.value, index: result.meta.lastIndex };
    } catch (error) {
      if (stop.aborted) return undefined;
      throw new Error(`failed to read lock: ${causeText(error)}`);
    }
  }

  private async waitAndAcquire(stop: AbortSignal): Promise<boolean> {
    const { client, clock } = this.deps;
    const startMs = clock.monotonicMs();
    let index = 0;
    for (let attempts = 0; !stop.aborted; attempts++) {
      const waitMs = nextWaitMs(this.options, clock, startMs, attempts);
      if (waitMs === undefined) return false;
      const read = await this.readLock(index, waitMs, stop);
      if (read === undefined) return false;
      if (read.pair !== null && !isLockFlags(read.pair.Flags)) throw new LockError('conflict', 'Existing key does not match lock use');
      if (read.pair?.Session === this.session) return true;
      if (read.pair !== null && read.pair.Session !== '') {
        index = read.index; // held by another: block until the key changes
        continue;
      }
      let locked: boolean;
      try {
        locked = await acquireKv(client, this.options.key, this.session, this.lockInput());
      } catch (error) {
        throw new Error(`failed to acquire lock: ${causeText(error)}`);
      }
      if (locked) return true;
      // Refused: either another session won the race (block on the key again) or nobody holds it
      // and a lock-delay is in effect, which only time ends.
      const again = await this.readLock(0, waitMs, stop);
      if (again === undefined) return false;
      if (again.pair !== null && again.pair.Session !== '') {
        index = again.index;
        continue;
      }
      index = 0;
      if (!(await sleepUnlessAborted(clock, this.options.retryMs ?? lockRetryMsDefault, stop))) return false;
    }
    return false;
  }

  private startMonitor(): AbortSignal {
    const read: HoldRead<KvPair | null> = async (index, stop) => {
      const result = await getKv(this.deps.client, this.options.key, { consistent: true, index }, stop);
      return { value: result.value, index: result.meta.lastIndex };
    };
    // Held while the key names our session.
    const monitor = monitorHold(read, (pair) => pair?.Session === this.session, { clock: this.deps.clock, retries: this.options.monitorRetries, retryMs: this.options.monitorRetryMs });
    this.monitorStop = monitor.stop;
    return monitor.lost;
  }

  /** Releases the lock and destroys the session. */
  async release(): Promise<void> {
    if (!this.held) throw new LockError('not-held', 'Lock not held');
    this.held = false;
    this.monitorStop?.();
    try {
      await releaseKv(this.deps.client, this.options.key, this.session, this.lockInput());
    } catch (error) {
      throw new Error(`failed to release lock: ${causeText(error)}`);
    } finally {
      await this.renewal?.stop();
      this.renewal = undefined;
    }
  }

  /** Deletes the lock key when nobody holds it; LockError 'in-use' when someone does. */
  async destroy(): Promise<void> {
    if (this.held) throw new LockError('held', 'Lock already held');
    let pair: KvPair | null;
    try {
      pair = (await getKv(this.deps.client, this.options.key)).value;
    } catch (error) {
      throw new Error(`failed to read lock: ${causeText(error)}`);
    }
    if (pair === null) return;
    if (!isLockFlags(pair.Flags)) throw new LockError('conflict', 'Existing key does not match lock use');
    if (pair.Session !== '') throw new LockError('in-use', 'Lock in use');
    let removed: boolean;
    try {
      removed = await deleteKvCas(this.deps.client, this.options.key, pair.ModifyIndex);
    } catch (error) {
      throw new Error(`failed to remove lock: ${causeText(error)}`);
    }
    if (!removed) throw new LockError('in-use', 'Lock in use');
  }
}
