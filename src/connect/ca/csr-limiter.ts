// The signing rate limit (Consul's CSRMaxPerSecond / CSRMaxConcurrent, leader_connect_ca.go):
// with a per-second rate, a token bucket (burst = one second's worth) refuses what is over it at
// once; with the rate at 0 and a concurrency limit, a request waits up to 500 ms for a slot.
// Both refusals carry Consul's error text, which its clients retry on.

import type { Clock } from '../../lib/clock.js';
import { TaxiwayError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';

export interface CsrLimits {
  /** 0 = no rate limit. */
  readonly perSecond: number;
  /** 0 = no concurrency limit; only used when perSecond is 0. */
  readonly concurrent: number;
}

export const rateLimited = (): TaxiwayError => new TaxiwayError('rate_limited', 'Rate limit reached, try again later');

export class CsrLimiter {
  private tokens = 0;
  private refilledAtMs: number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private settings: CsrLimits,
  ) {
    this.refilledAtMs = clock.monotonicMs();
    this.tokens = this.burst();
  }

  update(settings: CsrLimits): void {
    this.settings = settings;
    this.tokens = Math.min(this.tokens, this.burst());
  }

  /** Runs `sign` within the limits, or throws rateLimited(). */
  async run<T>(sign: () => T | Promise<T>): Promise<T> {
    const { perSecond, concurrent } = this.settings;
    if (perSecond > 0) {
      this.refill();
      if (this.tokens < 1) throw rateLimited();
      this.tokens -= 1;
      return sign();
    }
    if (concurrent <= 0) return sign();
    if (this.inFlight >= concurrent) await this.waitForSlot();
    this.inFlight++;
    try {
      return await sign();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private burst(): number {
    return Math.max(1, Math.ceil(this.settings.perSecond));
  }

  private refill(): void {
    const nowMs = this.clock.monotonicMs();
    this.tokens = Math.min(this.burst(), this.tokens + ((nowMs - this.refilledAtMs) * this.settings.perSecond) / 1000);
    this.refilledAtMs = nowMs;
  }

  private waitForSlot(): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        timer.cancel();
        resolve();
      };
      const timer = this.clock.setTimer(limits.csrSlotWaitMs, () => {
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(rateLimited());
      });
      this.waiting.push(wake);
    });
  }
}
