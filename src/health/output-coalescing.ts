// Check output coalescing (Consul's check_update_interval, local.State deferCheck): a check whose
// status stays the same but whose output changes on every run (a timestamp, a latency figure)
// would otherwise write to the catalog on every run. Its new output is kept locally at once (the
// agent API shows it) and written to the catalog at most once per interval; a status change is
// written at once and carries the latest output with it.

import type { Clock, Timer } from '../lib/clock.js';
import type { Random } from '../lib/random.js';

export class OutputCoalescing {
  private readonly deferred = new Map<string, Timer>();

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    /** check_update_interval in ms; 0 writes every output change at once. */
    private readonly intervalMs: () => number,
  ) {}

  /**
   * Defers the write of an output-only change; `write` runs once when the deferral ends.
   * False when coalescing is off (the caller writes at once). Repeated changes within the
   * deferral join it: the write then carries the newest output.
   */
  defer(checkId: string, write: () => void): boolean {
    const intervalMs = this.intervalMs();
    if (intervalMs <= 0) return false;
    if (this.deferred.has(checkId)) return true;
    // Half the interval plus a stagger of up to a whole one, as Consul: writes of checks that
    // changed together spread out instead of arriving at the servers in one burst.
    const delayMs = intervalMs / 2 + this.random.float() * intervalMs;
    this.deferred.set(
      checkId,
      this.clock.setTimer(delayMs, () => {
        this.deferred.delete(checkId);
        write();
      }),
    );
    return true;
  }

  /** The check is written now (status change, removal): its deferred write is moot. */
  cancel(checkId: string): void {
    this.deferred.get(checkId)?.cancel();
    this.deferred.delete(checkId);
  }

  pending(): number {
    return this.deferred.size;
  }

  stop(): void {
    for (const timer of this.deferred.values()) timer.cancel();
    this.deferred.clear();
  }
}
