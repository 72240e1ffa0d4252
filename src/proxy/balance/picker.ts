// The contract of an L7 endpoint picker. One picker per load-balancing policy (service-resolver
// LoadBalancer.Policy); each is an immutable value built from one endpoint list and replaced
// whole when the agent reports a new list (round robin keeps only its cursor). Whatever changes
// between requests (which endpoints outlier detection ejected, requests in flight per endpoint,
// the request's hash) comes in the PickContext, so the state survives a swap of the picker.

import type { Random } from '../../lib/random.js';
import type { Endpoint } from '../picker.js';

export interface PickContext {
  /** The request's hash from the hash policies; undefined when none applied (hash pickers then pick at random, as Envoy). */
  readonly hash: number | undefined;
  readonly random: Random;
  /** False for an endpoint ejected by outlier detection. */
  readonly usable: (endpoint: Endpoint) => boolean;
  /** Requests in flight to the endpoint now (least_request). */
  readonly activeRequests: (endpoint: Endpoint) => number;
}

export interface EndpointPicker {
  readonly endpoints: readonly Endpoint[];
  /** An endpoint that is usable, or undefined when none is. */
  pick(context: PickContext): Endpoint | undefined;
}

/** The identity of an endpoint for counters, outlier state and hashing: its address. */
export const endpointKey = (endpoint: Endpoint): string => `${endpoint.host}:${endpoint.port}`;

/**
 * Picks with `picker`; when every endpoint is ejected, picks as if none were (Envoy's panic mode:
 * with too few healthy hosts it balances over all of them rather than failing every request).
 */
export function pickWithPanic(picker: EndpointPicker, context: PickContext): Endpoint | undefined {
  return picker.pick(context) ?? (picker.endpoints.length > 0 ? picker.pick({ ...context, usable: () => true }) : undefined);
}

/** A uniformly random usable endpoint (also the fallback of the hash pickers without a hash). */
export function pickRandom(endpoints: readonly Endpoint[], context: PickContext): Endpoint | undefined {
  const usable = endpoints.filter(context.usable);
  return usable.length === 0 ? undefined : usable[context.random.int(usable.length)];
}
