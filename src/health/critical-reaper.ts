// DeregisterCriticalServiceAfter: a service whose check has been critical for longer than the
// check's limit is deregistered by the agent (Consul's reapServicesInternal). The reaper notes when
// each check turned critical and looks every limits.checkReapIntervalMs; the limit is raised to
// limits.deregisterCriticalAfterMsMin as Consul does, so a typo cannot remove a service on its
// first failed run.

import type { Clock, Timer } from '../lib/clock.js';
import { limits } from '../lib/limits.js';

export interface ReapCandidate {
  readonly checkId: string;
  readonly serviceId: string;
  readonly critical: boolean;
  /** 0 = never reap. */
  readonly deregisterCriticalAfterMs: number;
}

export class CriticalReaper {
  /** Monotonic ms at which each critical check was first seen critical (since it last was not). */
  private readonly criticalSinceMs = new Map<string, number>();
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly candidates: () => Iterable<ReapCandidate>,
    private readonly deregister: (serviceId: string, checkId: string) => void,
  ) {}

  start(): void {
    this.timer = this.clock.setTimer(limits.checkReapIntervalMs, () => {
      this.reap();
      this.start();
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** A check's status changed (or it was added or removed: critical false forgets it). */
  noteStatus(checkId: string, critical: boolean): void {
    if (!critical) this.criticalSinceMs.delete(checkId);
    else if (!this.criticalSinceMs.has(checkId)) this.criticalSinceMs.set(checkId, this.clock.monotonicMs());
  }

  reap(): void {
    const nowMs = this.clock.monotonicMs();
    const reaped = new Set<string>();
    for (const candidate of this.candidates()) {
      if (!candidate.critical || candidate.serviceId === '' || candidate.deregisterCriticalAfterMs <= 0 || reaped.has(candidate.serviceId)) continue;
      const sinceMs = this.criticalSinceMs.get(candidate.checkId);
      if (sinceMs === undefined) continue;
      const afterMs = Math.max(candidate.deregisterCriticalAfterMs, limits.deregisterCriticalAfterMsMin);
      if (nowMs - sinceMs > afterMs) {
        reaped.add(candidate.serviceId);
        this.deregister(candidate.serviceId, candidate.checkId);
      }
    }
  }
}
