// Clock: the only door to real time in src/. Cores and the catalog take a Clock so that tests can
// drive time by hand (ManualClock) and simulations replay exactly from a seed.

import { assert } from './assert.js';

/** A scheduled callback; cancel() is idempotent and safe after the callback ran. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch: for timestamps shown to users. */
  nowMs(): number;
  /** Monotonic milliseconds from an arbitrary origin: for measuring intervals and deadlines. */
  monotonicMs(): number;
  /** Runs fn once after delayMs (monotonic). Callers must cancel timers they no longer need. */
  setTimer(delayMs: number, fn: () => void): Timer;
}

export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    // setTimeout clamps delays above 2^31-1 ms to 1 ms; our longest timers are far below that
    // (blocking queries wait at most 10 min), so clamping here is a bug guard, not a feature.
    const handle = setTimeout(fn, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    return { cancel: () => clearTimeout(handle) };
  }
}

/**
 * A clock that moves only when told to. Timers fire in deadline order (ties in creation order)
 * during advance(), synchronously, so a test sees exactly the interleaving it asked for.
 */
export class ManualClock implements Clock {
  private monotonicNowMs = 0;
  private nextTimerSeq = 0;
  private readonly timers = new Map<number, { dueMs: number; fn: () => void }>();

  constructor(private wallOriginMs = 1_700_000_000_000) {}

  nowMs(): number {
    return this.wallOriginMs + this.monotonicNowMs;
  }

  monotonicMs(): number {
    return this.monotonicNowMs;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const seq = this.nextTimerSeq++;
    this.timers.set(seq, { dueMs: this.monotonicNowMs + Math.max(0, delayMs), fn });
    return { cancel: () => this.timers.delete(seq) };
  }

  /** Moves time forward by ms, firing every timer that falls due, including ones set while firing. */
  advance(ms: number): void {
    assert(ms >= 0, 'time only moves forward');
    const targetMs = this.monotonicNowMs + ms;
    for (;;) {
      const next = this.earliestTimer();
      if (next === undefined || next.dueMs > targetMs) break;
      this.timers.delete(next.seq);
      this.monotonicNowMs = next.dueMs;
      next.fn();
    }
    this.monotonicNowMs = targetMs;
  }

  /** Number of timers still pending: lets tests assert that nothing leaked. */
  pendingTimers(): number {
    return this.timers.size;
  }

  private earliestTimer(): { seq: number; dueMs: number; fn: () => void } | undefined {
    let best: { seq: number; dueMs: number; fn: () => void } | undefined;
    for (const [seq, timer] of this.timers) {
      if (best === undefined || timer.dueMs < best.dueMs) best = { seq, ...timer };
    }
    return best;
  }
}
