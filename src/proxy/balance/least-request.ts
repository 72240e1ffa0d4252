// least_request: Envoy's "power of N choices" for equal weights: draw ChoiceCount usable endpoints
// at random (with replacement) and take the one with the fewest requests in flight; the first drawn
// wins a tie. The counts live outside the picker (ActiveRequests, keyed by endpoint address) so
// that they survive when a new endpoint list replaces the picker.

import type { Endpoint } from '../picker.js';
import { endpointKey, type EndpointPicker, type PickContext } from './picker.js';

export class LeastRequestBalancer implements EndpointPicker {
  constructor(
    readonly endpoints: readonly Endpoint[],
    /** Envoy's choice_count (default 2, at least 2). */
    private readonly choiceCount: number,
  ) {}

  pick(context: PickContext): Endpoint | undefined {
    const usable = this.endpoints.filter(context.usable);
    if (usable.length === 0) return undefined;
    let best: Endpoint | undefined;
    let bestActive = Infinity;
    for (let choice = 0; choice < this.choiceCount; choice++) {
      const candidate = usable[context.random.int(usable.length)] as Endpoint;
      const active = context.activeRequests(candidate);
      if (active < bestActive) {
        best = candidate;
        bestActive = active;
      }
    }
    return best;
  }
}

/** Requests in flight per endpoint address, shared by every picker of one upstream. */
export class ActiveRequests {
  private readonly counts = new Map<string, number>();

  get(endpoint: Endpoint): number {
    return this.counts.get(endpointKey(endpoint)) ?? 0;
  }

  /** Counts one request until the returned release is called (idempotent). */
  begin(endpoint: Endpoint): () => void {
    const key = endpointKey(endpoint);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left <= 0) this.counts.delete(key);
      else this.counts.set(key, left);
    };
  }
}
