// Config → the wrappers' policies, kept apart from the runtime wrappers:
//   a route's Destination (service-router): RequestTimeout, NumRetries, RetryOnConnectFailure,
//     RetryOnStatusCodes, RetryOn, and FaultInjection {Abort, Delay} (taxiway's per-route faults)
//   an upstream's Config (the registration's upstream Config merged over the downstream's
//     service-defaults UpstreamConfig, config.ts): `limits`, `passive_health_check`, and the
//     upstream's service-defaults EnvoyExtensions (`envoy_extensions`, builtin/fault-injection).
// Keys are read case-insensitively and with or without underscores (max_connections,
// MaxConnections), as Consul's mapstructure decoding of these opaque maps does.

import { parseGoDuration } from '../../lib/duration.js';
import { limits } from '../../lib/limits.js';
import { type OutlierPolicy, outlierDefaults } from '../balance/outlier.js';
import { type CircuitLimits, envoyDefaultThreshold } from './circuit-breaker.js';
import type { FaultPolicy } from './fault-injection.js';
import type { RetryPolicy } from './retry.js';

type Fields = Readonly<Record<string, unknown>>;
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const fold = (key: string): string => key.replace(/_/gu, '').toLowerCase();

/** `fields[key]`, matching keys case-insensitively and ignoring underscores. */
export function field(fields: unknown, key: string): unknown {
  if (typeof fields !== 'object' || fields === null) return undefined;
  const wanted = fold(key);
  for (const [name, value] of Object.entries(fields)) if (fold(name) === wanted) return value;
  return undefined;
}

/** A Go duration: "30s", or a number of nanoseconds (time.Duration in JSON); undefined if absent or bad. */
export function durationMsOf(value: unknown): number | undefined {
  if (typeof value === 'string') return parseGoDuration(value) ?? undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value / 1e6;
  return undefined;
}

/** Upstream Config.connect_timeout_ms; absent → limits.proxyUpstreamConnectTimeoutMs. */
export function connectTimeoutMsOf(config: Fields): number {
  const value = num(field(config, 'connect_timeout_ms'));
  return value > 0 ? value : limits.proxyUpstreamConnectTimeoutMs;
}

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
  const limits = field(config, 'limits');
  return {
    maxConnections: num(field(limits, 'max_connections')),
    maxConcurrentRequests: num(field(limits, 'max_concurrent_requests')),
    maxPendingRequests: typeof field(limits, 'max_pending_requests') === 'number' ? num(field(limits, 'max_pending_requests')) : envoyDefaultThreshold,
  };
}

/**
 * Upstream Config.passive_health_check {interval, max_failures, enforcing_consecutive_5xx,
 * max_ejection_percent, base_ejection_time}: none → outlier detection off (as Consul, which then
 * sets no outlier_detection on the cluster); a block → Envoy's defaults for the fields it omits.
 */
export function outlierPolicyOf(config: Fields): OutlierPolicy {
  const check = field(config, 'passive_health_check');
  if (typeof check !== 'object' || check === null) return { ...outlierDefaults, consecutive5xx: 0 };
  const count = (key: string, fallback: number): number => {
    const value = field(check, key);
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    consecutive5xx: count('max_failures', outlierDefaults.consecutive5xx),
    intervalMs: durationMsOf(field(check, 'interval')) ?? outlierDefaults.intervalMs,
    baseEjectionMs: durationMsOf(field(check, 'base_ejection_time')) ?? outlierDefaults.baseEjectionMs,
    maxEjectionPercent: Math.min(100, count('max_ejection_percent', outlierDefaults.maxEjectionPercent)),
    enforcingPercent: Math.min(100, count('enforcing_consecutive_5xx', outlierDefaults.enforcingPercent)),
  };
}

const noFaults: FaultPolicy = { abortPercent: 0, abortStatus: 503, delayPercent: 0, delayMs: 0 };

/** Consul's fault shape {Abort: {HttpStatus | GrpcStatus, Percentage}, Delay: {Duration (ms), Percentage}}. */
export function faultShapeOf(config: unknown): FaultPolicy {
  const abort = field(config, 'Abort');
  const delay = field(config, 'Delay');
  const grpcStatus = field(abort, 'GrpcStatus');
  return {
    abortPercent: num(field(abort, 'Percentage')),
    abortStatus: num(field(abort, 'HttpStatus')) || 503,
    ...(typeof grpcStatus === 'number' && Number.isInteger(grpcStatus) && grpcStatus >= 0 && grpcStatus <= 16 && field(abort, 'HttpStatus') === undefined ? { abortGrpcStatus: grpcStatus } : {}),
    delayPercent: num(field(delay, 'Percentage')),
    delayMs: num(field(delay, 'Duration')),
  };
}

/**
 * The upstream-wide faults: the upstream service's service-defaults EnvoyExtensions entry
 * {Name: "builtin/fault-injection", Arguments: {Config: {Abort, Delay}}} (Consul Enterprise's
 * shape), else the deprecated Config.fault_injection {abort_percent, abort_status, delay_percent,
 * delay_ms} of earlier taxiway versions.
 */
export function faultPolicyOf(config: Fields): FaultPolicy {
  const extensions = field(config, 'envoy_extensions');
  const extension = Array.isArray(extensions) ? (extensions as unknown[]).find((each) => field(each, 'Name') === 'builtin/fault-injection') : undefined;
  if (extension !== undefined) return faultShapeOf(field(field(extension, 'Arguments'), 'Config'));
  const fault = field(config, 'fault_injection');
  if (typeof fault !== 'object' || fault === null) return noFaults;
  return { abortPercent: num(field(fault, 'abort_percent')), abortStatus: num(field(fault, 'abort_status')) || 503, delayPercent: num(field(fault, 'delay_percent')), delayMs: num(field(fault, 'delay_ms')) };
}

/** A route's faults: service-router Destination.FaultInjection, the same Abort/Delay shape. */
export function routeFaultPolicyOf(destination: Fields): FaultPolicy {
  return destination.FaultInjection === undefined ? noFaults : faultShapeOf(destination.FaultInjection);
}
