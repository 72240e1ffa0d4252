// round_robin (and Consul's default policy ""): each pick takes the next usable endpoint after a
// cursor; the cursor starts at a random place so proxies with the same list spread their first
// requests. The cursor is the only mutable state, and a new list makes a new picker.

import type { Random } from '../../lib/random.js';
import type { Endpoint } from '../picker.js';
import type { EndpointPicker, PickContext } from './picker.js';

export class RoundRobinBalancer implements EndpointPicker {
  private cursor: number;

  constructor(
    readonly endpoints: readonly Endpoint[],
    random: Random,
  ) {
    this.cursor = endpoints.length === 0 ? 0 : random.int(endpoints.length);
  }

  pick(context: PickContext): Endpoint | undefined {
    const count = this.endpoints.length;
    for (let step = 0; step < count; step++) {
      const endpoint = this.endpoints[(this.cursor + step) % count] as Endpoint;
      if (!context.usable(endpoint)) continue;
      this.cursor = (this.cursor + step + 1) % count;
      return endpoint;
    }
    return undefined;
  }
}
