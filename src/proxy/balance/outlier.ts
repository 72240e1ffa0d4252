// Outlier detection (Consul's passive health check → Envoy's consecutive_5xx detector), per chain
// target (Envoy: per cluster). Every answer of an endpoint is reported: a 5xx or a connect failure
// adds to its run of consecutive failures, anything else ends the run. At `consecutive5xx` in a
// row the endpoint is ejected, with probability enforcingPercent % (drawn from the injected
// Random), unless the ejected share already reached maxEjectionPercent: Envoy ejects while
// 100 × ejected / total < max_ejection_percent, so one host can always be ejected when the
// percent is above 0. An ejected endpoint stays out for baseEjectionMs × (times ejected), capped
// at limits.proxyOutlierEjectionMsMax, and is usable again as soon as that expires (Envoy
// returns it on its next interval sweep, up to `interval` later). The times-ejected multiplier
// decays by one per `intervalMs` spent in service, as Envoy's does. Time is the injected Clock.

import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';

export interface OutlierPolicy {
  /** Consecutive 5xx (or connect failures) that eject an endpoint; 0 = outlier detection off. */
  readonly consecutive5xx: number;
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionPercent: number;
  readonly enforcingPercent: number;
}

/** Envoy's defaults, used for fields a passive_health_check block leaves out. */
export const outlierDefaults: OutlierPolicy = { consecutive5xx: 5, intervalMs: 10_000, baseEjectionMs: 30_000, maxEjectionPercent: 10, enforcingPercent: 100 };

interface EndpointState {
  failures: number;
  /** Times ejected, decayed while in service. */
  ejections: number;
  /** Monotonic ms until which it is ejected; 0 = in service. */
  ejectedUntilMs: number;
  /** When it last came back (or was first seen), for the decay. */
  inServiceSinceMs: number;
}

export class OutlierDetector {
  private readonly states = new Map<string, EndpointState>();
  private endpointCount = 0;

  constructor(
    private readonly policy: OutlierPolicy,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly onEject: (key: string, ejectionMs: number) => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.policy.consecutive5xx > 0;
  }

  /** The target's current endpoints: state of the others is dropped. */
  setEndpoints(keys: readonly string[]): void {
    const wanted = new Set(keys);
    for (const key of this.states.keys()) if (!wanted.has(key)) this.states.delete(key);
    this.endpointCount = wanted.size;
  }

  /** One answer (or connect failure) of the endpoint `key`. */
  report(key: string, failed: boolean): void {
    if (!this.enabled) return;
    const now = this.clock.monotonicMs();
    const state = this.stateOf(key, now);
    if (!failed) {
      state.failures = 0;
      return;
    }
    if (this.ejectedAt(state, now)) return;
    state.failures++;
    if (state.failures < this.policy.consecutive5xx) return;
    state.failures = 0;
    if (!this.mayEject(now)) return;
    if (this.policy.enforcingPercent < 100 && this.random.float() * 100 >= this.policy.enforcingPercent) return;
    const decay = this.policy.intervalMs > 0 ? Math.floor((now - state.inServiceSinceMs) / this.policy.intervalMs) : 0;
    state.ejections = Math.max(0, state.ejections - decay) + 1;
    const ejectionMs = Math.min(this.policy.baseEjectionMs * state.ejections, Math.max(this.policy.baseEjectionMs, limits.proxyOutlierEjectionMsMax));
    state.ejectedUntilMs = now + ejectionMs;
    this.onEject(key, ejectionMs);
  }

  isEjected(key: string): boolean {
    const state = this.states.get(key);
    return state !== undefined && this.ejectedAt(state, this.clock.monotonicMs());
  }

  /** How many endpoints are out now. */
  ejectedCount(): number {
    const now = this.clock.monotonicMs();
    let count = 0;
    for (const state of this.states.values()) if (this.ejectedAt(state, now)) count++;
    return count;
  }

  private mayEject(now: number): boolean {
    let ejected = 0;
    for (const state of this.states.values()) if (this.ejectedAt(state, now)) ejected++;
    const total = Math.max(this.endpointCount, this.states.size);
    return total > 0 && (100 * ejected) / total < this.policy.maxEjectionPercent;
  }

  /** Whether the endpoint is out at `now`; an expired ejection returns it to service here. */
  private ejectedAt(state: EndpointState, now: number): boolean {
    if (state.ejectedUntilMs === 0) return false;
    if (now < state.ejectedUntilMs) return true;
    state.ejectedUntilMs = 0;
    state.inServiceSinceMs = now;
    return false;
  }

  private stateOf(key: string, now: number): EndpointState {
    let state = this.states.get(key);
    if (state === undefined) {
      state = { failures: 0, ejections: 0, ejectedUntilMs: 0, inServiceSinceMs: now };
      this.states.set(key, state);
    }
    return state;
  }
}
