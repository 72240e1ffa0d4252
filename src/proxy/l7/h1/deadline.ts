// A deadline that moves on every request (a connection's idle and request timeouts) without a
// timer per move: setting it only records the due time, and one Clock timer, re-armed lazily when
// it fires early, checks it. Creating and cancelling two timers per request showed in profiles.

import type { Clock, Timer } from '../../../lib/clock.js';

export class Deadline {
  /** When the action runs (monotonic ms); Infinity when cleared. */
  private dueMs = Infinity;
  private action: (() => void) | undefined;
  private timer: Timer | undefined;
  /** When the pending timer fires; it may be before dueMs (then it re-arms), never after. */
  private timerDueMs = Infinity;

  constructor(private readonly clock: Clock) {}

  /** Runs `action` after `delayMs` unless set again or cleared first. */
  set(delayMs: number, action: () => void): void {
    const nowMs = this.clock.monotonicMs();
    this.dueMs = nowMs + delayMs;
    this.action = action;
    if (this.timer !== undefined && this.timerDueMs <= this.dueMs) return;
    this.timer?.cancel();
    this.arm(nowMs, delayMs);
  }

  /** No action until set again (a pending timer fires and finds nothing to do). */
  clear(): void {
    this.dueMs = Infinity;
    this.action = undefined;
  }

  /** Clears and cancels the timer: for a connection that is gone. */
  cancel(): void {
    this.clear();
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(nowMs: number, delayMs: number): void {
    this.timerDueMs = nowMs + delayMs;
    this.timer = this.clock.setTimer(delayMs, this.fire);
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    if (this.dueMs === Infinity) return;
    const nowMs = this.clock.monotonicMs();
    if (nowMs < this.dueMs) return this.arm(nowMs, this.dueMs - nowMs);
    const action = this.action;
    this.clear();
    action?.();
  };
}
