// A counting semaphore on a KV prefix, as Consul's api.Semaphore implements it (so taxiway's
// `lock -n N` and Consul's share slots):
//
//   <prefix>/<session>  one contender entry per session, locked by it (the session has Behavior
//                       "delete", so a dead contender's entry disappears)
//   <prefix>/.lock      {"Limit":N,"Holders":{"<session>":true,...}}, changed only by CAS
//
//   acquire: create the session and the contender entry → list the prefix (blocking while full)
//            → drop holders whose contender entry is gone → CAS ourselves into Holders
//   held:    a consistent blocking list of the prefix; lost once we are no longer a live holder
//   release: CAS ourselves out of Holders, delete the contender entry, destroy the session

import { posix } from 'node:path';
import { acquireKv, casKv, deleteKv, deleteKvCas, getKv, kvValueBytes, listKv, type KvPair } from './kv.js';
import { causeText, LockError, lockSessionTtlDefault, nextWaitMs, type ContenderOptions, type LockDeps } from './lock-options.js';
import { parseGoDuration } from '../lib/duration.js';
import { createSession } from './session.js';
import { startSessionRenewal, type SessionRenewal } from './session-renewal.js';
import { type HoldRead, monitorHold } from './monitor-hold.js';

/** Consul's api.DefaultSemaphoreKey: the coordination key inside the prefix (also the lock key). */
export const semaphoreKeyName = '.lock';
/** Consul's api.SemaphoreFlagValue, marking keys as a semaphore's: written as the exact uint64. */
export const semaphoreFlagValue = 0xe0f69a2baa414de0n;
/** Bound on CAS retries while removing ourselves from Holders: each failure means another contender wrote. */
const releaseAttemptsMax = 64;

/** JSON.parse reads the uint64 as the nearest double, so compare that. */
export function isSemaphoreFlags(flags: number): boolean {
  return flags === Number(semaphoreFlagValue);
}

export interface SemaphoreOptions extends ContenderOptions {
  readonly prefix: string;
  /** Holders allowed at once; every contender must agree on it. */
  readonly limit: number;
}

/** The JSON under <prefix>/.lock. */
interface SemaphoreLock {
  readonly Limit: number;
  readonly Holders: Record<string, boolean>;
}

export class KvSemaphore {
  private held = false;
  private session = '';
  private renewal: SessionRenewal | undefined;
  private monitorStop: (() => void) | undefined;
  private readonly lockKey: string;

  constructor(
    private readonly deps: LockDeps,
    private readonly options: SemaphoreOptions,
  ) {
    if (options.limit <= 0) throw new Error('semaphore limit must be positive');
    this.lockKey = posix.join(options.prefix, semaphoreKeyName);
  }

  get sessionId(): string {
    return this.session;
  }

  private contenderKey(): string {
    return posix.join(this.options.prefix, this.session);
  }

  /** Waits for a slot: a signal that aborts when the slot is lost, or null when `stop` aborted or the try-once budget ran out. */
  async acquire(stop: AbortSignal): Promise<AbortSignal | null> {
    if (this.held) throw new LockError('held', 'Semaphore already held');
    const { client, clock } = this.deps;
    const ttl = this.options.sessionTtl ?? lockSessionTtlDefault;
    try {
      this.session = await createSession(client, { Name: this.options.sessionName, TTL: ttl, Behavior: 'delete' });
    } catch (error) {
      throw new Error(`failed to create session: ${causeText(error)}`);
    }
    const renewal = startSessionRenewal(client, clock, this.session, parseGoDuration(ttl) ?? 15_000);
    let acquired = false;
    try {
      await this.makeContenderEntry();
      acquired = await this.waitForSlot(stop);
    } finally {
      // Destroying the session also deletes the contender entry (Behavior "delete").
      if (!acquired) await renewal.stop();
    }
    if (!acquired) return null;
    this.renewal = renewal;
    this.held = true;
    return this.startMonitor();
  }

  private async makeContenderEntry(): Promise<void> {
    let made = false;
    let failure = '<nil>';
    try {
      const value = this.options.value;
      made = await acquireKv(this.deps.client, this.contenderKey(), this.session, { flags: semaphoreFlagValue, ...(value === undefined ? {} : { value }) });
    } catch (error) {
      failure = causeText(error);
    }
    if (!made) throw new Error(`failed to make contender entry: ${failure}`);
  }

  private async waitForSlot(stop: AbortSignal): Promise<boolean> {
    const { client, clock } = this.deps;
    const startMs = clock.monotonicMs();
    let index = 0;
    for (let attempts = 0; !stop.aborted; attempts++) {
      const waitMs = nextWaitMs(this.options, clock, startMs, attempts);
      if (waitMs === undefined) return false;
      let pairs: KvPair[];
      try {
        const result = await listKv(client, this.options.prefix, { index, waitMs }, stop);
        pairs = result.value ?? [];
        index = result.meta.lastIndex;
      } catch (error) {
        if (stop.aborted) return false;
        throw new Error(`failed to read prefix: ${causeText(error)}`);
      }
      const lockPair = this.findLock(pairs);
      if (!isSemaphoreFlags(lockPair.Flags)) throw new LockError('conflict', 'Existing key does not match semaphore use');
      const lock = this.decodeLock(lockPair);
      if (lock.Limit !== this.options.limit) throw new Error(`semaphore limit conflict (lock: ${lock.Limit}, local: ${this.options.limit})`);
      const holders = liveHolders(lock, pairs);
      if (Object.keys(holders).length >= lock.Limit) continue; // full: block until the prefix changes
      holders[this.session] = true;
      let swapped: boolean;
      try {
        swapped = await casKv(client, this.lockKey, lockPair.ModifyIndex, this.encodeLock(holders));
      } catch (error) {
        throw new Error(`failed to update lock: ${causeText(error)}`);
      }
      if (swapped) return true;
      // Another contender changed the lock between our read and our CAS: read again.
    }
    return false;
  }

  /** The coordination entry among `pairs`, or an empty one (ModifyIndex 0: CAS creates it). */
  private findLock(pairs: readonly KvPair[]): KvPair {
    const found = pairs.find((pair) => pair.Key === this.lockKey);
    return found ?? { Key: this.lockKey, CreateIndex: 0, ModifyIndex: 0, LockIndex: 0, Flags: Number(semaphoreFlagValue), Value: null, Session: '' };
  }

  private decodeLock(pair: KvPair): SemaphoreLock {
    if (pair.Value === null) return { Limit: this.options.limit, Holders: {} };
    try {
      const decoded = JSON.parse(kvValueBytes(pair).toString('utf8')) as Partial<SemaphoreLock>;
      return { Limit: decoded.Limit ?? 0, Holders: { ...decoded.Holders } };
    } catch (error) {
      throw new Error(`lock decoding failed: ${causeText(error)}`);
    }
  }

  /** Go's json.Marshal of semaphoreLock: map keys sorted. */
  private encodeLock(holders: Record<string, boolean>): { flags: bigint; value: Uint8Array } {
    const sorted: Record<string, boolean> = {};
    for (const id of Object.keys(holders).sort()) sorted[id] = true;
    return { flags: semaphoreFlagValue, value: Buffer.from(JSON.stringify({ Limit: this.options.limit, Holders: sorted })) };
  }

  private startMonitor(): AbortSignal {
    const read: HoldRead<KvPair[]> = async (index, stop) => {
      const result = await listKv(this.deps.client, this.options.prefix, { consistent: true, index }, stop);
      return { value: result.value ?? [], index: result.meta.lastIndex };
    };
    const monitor = monitorHold(read, (pairs) => this.isLiveHolder(pairs), { clock: this.deps.clock, retries: this.options.monitorRetries, retryMs: this.options.monitorRetryMs });
    this.monitorStop = monitor.stop;
    return monitor.lost;
  }

  /** Held while the .lock record lists our session and our contender entry still holds its session. */
  private isLiveHolder(pairs: KvPair[]): boolean {
    let lock: SemaphoreLock;
    try {
      lock = this.decodeLock(this.findLock(pairs));
    } catch {
      return false;
    }
    return liveHolders(lock, pairs)[this.session] === true;
  }

  /** Gives up the slot: out of Holders, contender entry deleted, session destroyed. */
  async release(): Promise<void> {
    if (!this.held) throw new LockError('not-held', 'Semaphore not held');
    this.held = false;
    this.monitorStop?.();
    try {
      await this.leaveHolders();
      await deleteKv(this.deps.client, this.contenderKey());
    } finally {
      await this.renewal?.stop();
      this.renewal = undefined;
    }
  }

  private async leaveHolders(): Promise<void> {
    for (let attempt = 0; attempt < releaseAttemptsMax; attempt++) {
      const pair = (await getKv(this.deps.client, this.lockKey)).value;
      const lock = this.decodeLock(pair ?? this.findLock([]));
      if (lock.Holders[this.session] === undefined) return;
      const { [this.session]: _ours, ...others } = lock.Holders;
      let swapped: boolean;
      try {
        swapped = await casKv(this.deps.client, this.lockKey, pair?.ModifyIndex ?? 0, this.encodeLock(others));
      } catch (error) {
        throw new Error(`failed to update lock: ${causeText(error)}`);
      }
      if (swapped) return;
    }
    throw new Error(`failed to update lock: ${releaseAttemptsMax} compare-and-set attempts lost to other contenders`);
  }

  /** Deletes the coordination key when no live holder remains; LockError 'in-use' otherwise. */
  async destroy(): Promise<void> {
    if (this.held) throw new LockError('held', 'Semaphore already held');
    let pairs: KvPair[];
    try {
      pairs = (await listKv(this.deps.client, this.options.prefix)).value ?? [];
    } catch (error) {
      throw new Error(`failed to read prefix: ${causeText(error)}`);
    }
    const lockPair = this.findLock(pairs);
    if (lockPair.ModifyIndex === 0) return;
    if (!isSemaphoreFlags(lockPair.Flags)) throw new LockError('conflict', 'Existing key does not match semaphore use');
    if (Object.keys(liveHolders(this.decodeLock(lockPair), pairs)).length > 0) throw new LockError('in-use', 'Semaphore in use');
    let removed: boolean;
    try {
      removed = await deleteKvCas(this.deps.client, this.lockKey, lockPair.ModifyIndex);
    } catch (error) {
      throw new Error(`failed to remove semaphore: ${causeText(error)}`);
    }
    if (!removed) throw new LockError('in-use', 'Semaphore in use');
  }
}

/** The holders whose session still locks some entry under the prefix (Consul's pruneDeadHolders). */
function liveHolders(lock: SemaphoreLock, pairs: readonly KvPair[]): Record<string, boolean> {
  const alive = new Set(pairs.filter((pair) => pair.Session !== '').map((pair) => pair.Session));
  const holders: Record<string, boolean> = {};
  for (const id of Object.keys(lock.Holders)) if (alive.has(id)) holders[id] = true;
  return holders;
}
