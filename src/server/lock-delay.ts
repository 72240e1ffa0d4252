// Lock-delay: after a session that held a lock is invalidated, the key may not be locked again
// for the session's LockDelay, so that a holder that does not yet know it lost the lock has time
// to stop acting on it. The delay is wall-clock time on the server that enforces it (the leader),
// not replicated state, as in Consul (state/delay.go): the FSM reports the released keys and this
// tracker stamps them with the local clock.

import type { Clock } from '../lib/clock.js';
import { limits } from '../lib/limits.js';

export class LockDelays {
  /** Key → monotonic ms until which acquiring it is refused. */
  private readonly until = new Map<string, number>();
  private sweepAtSize: number = limits.lockDelayKeysSweepAt;

  constructor(private readonly clock: Clock) {}

  start(key: string, delayMs: number): void {
    const untilMs = this.clock.monotonicMs() + delayMs;
    this.until.set(key, Math.max(untilMs, this.until.get(key) ?? 0));
    if (this.until.size >= this.sweepAtSize) this.sweep();
  }

  /** Whether a lock on `key` must be refused now. */
  isDelayed(key: string): boolean {
    const untilMs = this.until.get(key);
    if (untilMs === undefined) return false;
    if (untilMs > this.clock.monotonicMs()) return true;
    this.until.delete(key);
    return false;
  }

  get size(): number {
    return this.until.size;
  }

  /** Drops expired entries; the next sweep waits until the map has doubled, so sweeps stay amortised O(1). */
  private sweep(): void {
    const nowMs = this.clock.monotonicMs();
    for (const [key, untilMs] of this.until) if (untilMs <= nowMs) this.until.delete(key);
    this.sweepAtSize = Math.max(limits.lockDelayKeysSweepAt, this.until.size * 2);
  }
}
