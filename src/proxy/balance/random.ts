// random: every pick is a uniform draw over the usable endpoints from the injected Random.

import type { Endpoint } from '../picker.js';
import { type EndpointPicker, type PickContext, pickRandom } from './picker.js';

export class RandomBalancer implements EndpointPicker {
  constructor(readonly endpoints: readonly Endpoint[]) {}

  pick(context: PickContext): Endpoint | undefined {
    return pickRandom(this.endpoints, context);
  }
}
