// The calling side's book of calls awaiting a reply: id → promise callbacks and timeout timer.
// Kept apart from MuxConnection so its invariant is easy to check: every entry leaves the map
// exactly once — by its reply, by its timeout, or by rejectAll() at close — and takes its timer
// with it, so a closed connection holds no timers and no callbacks.

import type { Clock, Timer } from '../../lib/clock.js';

interface PendingCall {
  readonly resolve: (body: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: Timer;
}

export class PendingCalls {
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.calls.size;
  }

  /** The id the next add() will use (callers encode the request before registering it). */
  peekNextId(): number {
    return this.nextId;
  }

  /** Registers a call under the next id; it rejects with timeoutError() after timeoutMs unless settled first. */
  add(timeoutMs: number, timeoutError: () => Error): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.calls.delete(id);
        reject(timeoutError());
      });
      this.calls.set(id, { resolve, reject, timer });
    });
  }

  /** Settles call `id` with a reply body or an error; a reply for an unknown id (timed out already) is dropped. */
  settle(id: number, outcome: { readonly type: 'body'; readonly body: unknown } | { readonly type: 'error'; readonly error: Error }): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    this.calls.delete(id);
    call.timer.cancel();
    if (outcome.type === 'body') call.resolve(outcome.body);
    else call.reject(outcome.error);
  }

  /** Rejects every call with `error` and cancels their timers (connection closed). */
  rejectAll(error: Error): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) {
      call.timer.cancel();
      call.reject(error);
    }
  }
}
