// ring_hash (Ketama-style consistent hashing, Envoy's ring_hash): every endpoint is placed at
// `pointsPerEndpoint` positions on a 32-bit ring, hash32("<host>:<port>_<i>"); a request's hash
// goes to the first point at or after it (wrapping), and on to the next points while that
// endpoint is ejected. Without a hash (no hash policy matched) the pick is random, as in Envoy.
//
// Consistency: an endpoint's points depend on its own address only, and every endpoint gets the
// same number of points whatever the list's size, so removing an endpoint moves exactly the keys
// that landed on its points and no other (tested as a property). This is why MinimumRingSize is
// taken per endpoint here (Envoy divides it over the hosts, which shifts a few keys between the
// survivors when the host count changes); MaximumRingSize (and limits.proxyRingHashSizeMax)
// bounds the whole ring, and only when that bound bites do the points per endpoint shrink.

import { limits } from '../../lib/limits.js';
import type { Endpoint } from '../picker.js';
import { hash32 } from './hash.js';
import { endpointKey, type EndpointPicker, type PickContext, pickRandom } from './picker.js';
import { lowerBound } from '../../lib/lower-bound.js';

export interface RingHashConfig {
  readonly minimumRingSize: number;
  readonly maximumRingSize: number;
}

/** Points per endpoint: MinimumRingSize, unless the whole ring would exceed its maximum. */
export function pointsPerEndpoint(config: RingHashConfig, endpointCount: number): number {
  const maximum = Math.min(config.maximumRingSize, limits.proxyRingHashSizeMax);
  const minimum = Math.min(config.minimumRingSize, maximum);
  return Math.max(1, Math.min(minimum, Math.floor(maximum / Math.max(1, endpointCount))));
}

export class RingHashBalancer implements EndpointPicker {
  /** Ascending ring positions; `owners[i]` is the endpoint index at `points[i]`. */
  private readonly points: Uint32Array;
  private readonly owners: Uint32Array;

  constructor(
    readonly endpoints: readonly Endpoint[],
    config: RingHashConfig,
  ) {
    const per = pointsPerEndpoint(config, endpoints.length);
    const entries: { point: number; owner: number; key: string }[] = [];
    endpoints.forEach((endpoint, owner) => {
      const key = endpointKey(endpoint);
      for (let i = 0; i < per; i++) entries.push({ point: hash32(`${key}_${i}`), owner, key });
    });
    // Ties (two points at one position) go to the smaller address: independent of list order.
    entries.sort((a, b) => a.point - b.point || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.points = Uint32Array.from(entries, (entry) => entry.point);
    this.owners = Uint32Array.from(entries, (entry) => entry.owner);
  }

  get size(): number {
    return this.points.length;
  }

  pick(context: PickContext): Endpoint | undefined {
    if (this.points.length === 0) return undefined;
    if (context.hash === undefined) return pickRandom(this.endpoints, context);
    const start = this.firstAtOrAfter(context.hash >>> 0);
    for (let step = 0; step < this.points.length; step++) {
      const endpoint = this.endpoints[this.owners[(start + step) % this.points.length] as number] as Endpoint;
      if (context.usable(endpoint)) return endpoint;
    }
    return undefined;
  }

  /** The first point at or after `hash`, wrapping round the ring. */
  private firstAtOrAfter(hash: number): number {
    const at = lowerBound(this.points, hash);
    return at === this.points.length ? 0 : at;
  }
}
