// Config → the wrappers' policies, kept apart from the runtime wrappers: a route's Destination
// (service-router: RequestTimeout, NumRetries, RetryOnConnectFailure, RetryOnStatusCodes, RetryOn)
// and an upstream's Config (Consul's `limits` block; `fault_injection`, taxiway's own).

import { parseGoDuration } from '../../lib/duration.js';
import type { CircuitLimits } from './circuit-breaker.js';
import type { FaultPolicy } from './fault-injection.js';
import type { RetryPolicy } from './retry.js';

type Fields = Readonly<Record<string, unknown>>;
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export function timeoutMsOf(destination: Fields): number {
  return typeof destination.RequestTimeout === 'string' ? (parseGoDuration(destination.RequestTimeout) ?? 0) : 0;
}

export function retryPolicyOf(destination: Fields): RetryPolicy {
  const retryOn = Array.isArray(destination.RetryOn) ? (destination.RetryOn as unknown[]) : [];
  return {
    numRetries: num(destination.NumRetries),
    retryOnConnectFailure: destination.RetryOnConnectFailure === true || retryOn.includes('connect-failure'),
    retryOnStatusCodes: Array.isArray(destination.RetryOnStatusCodes) ? (destination.RetryOnStatusCodes as unknown[]).map(num) : [],
    retryOn5xx: retryOn.includes('5xx'),
  };
}

/** Upstream Config.limits: {max_connections, max_pending_requests, max_concurrent_requests}. */
export function circuitLimitsOf(config: Fields): CircuitLimits {
  const limits = (config.limits ?? {}) as Fields;
  return { maxConcurrentRequests: num(limits.max_concurrent_requests), maxPendingRequests: num(limits.max_pending_requests) };
}

/** Upstream Config.fault_injection: {abort_percent, abort_status, delay_percent, delay_ms}. */
export function faultPolicyOf(config: Fields): FaultPolicy {
  const fault = (config.fault_injection ?? {}) as Fields;
  return { abortPercent: num(fault.abort_percent), abortStatus: num(fault.abort_status) || 503, delayPercent: num(fault.delay_percent), delayMs: num(fault.delay_ms) };
}
