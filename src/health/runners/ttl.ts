// TTL checks, as Consul's CheckTTL: the application reports its own status through
// /v1/agent/check/pass|warn|fail|update, and each report must come within the TTL of the previous
// one (or of the registration). When none does, the check goes critical with the last output kept.

import type { Clock, Timer } from '../../lib/clock.js';

export const ttlExpiredOutput = (lastOutput: string): string => `TTL expired (last output before timeout follows): ${lastOutput}`;

export class TtlTimer {
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    /** Called once per expiry; not again until the next report re-arms the timer. */
    private readonly onExpire: () => void,
  ) {
    this.reset();
  }

  /** A report came in: the TTL starts again from now. */
  reset(): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(this.ttlMs, () => {
      this.timer = undefined;
      this.onExpire();
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
