// maglev (Eisenbud et al., NSDI 2016, as in Envoy): a lookup table of a prime size M
// (limits.proxyMaglevTableSize, Envoy's default 65537) filled by letting every endpoint claim
// slots in turn along its own permutation (offset and skip from hashes of its address); a
// request's hash picks slot hash mod M. Endpoints are taken in address order, so the table
// depends on the set of endpoints only, not on the order the agent listed them.
//
// Consistency is Maglev's "minimal disruption", not perfect: removing an endpoint hands its slots
// to the others and moves a few other slots too (the paper measures ~1-2 % of the table for a
// large M); tested as a bound. An ejected endpoint's slot is skipped by probing the next slots
// (Envoy rebuilds the table without it; probing keeps the picker immutable and is as consistent).
// Without a hash the pick is random, as in Envoy.

import { limits } from '../../lib/limits.js';
import type { Endpoint } from '../picker.js';
import { hash32 } from './hash.js';
import { endpointKey, type EndpointPicker, type PickContext, pickRandom } from './picker.js';

function buildTable(keys: readonly string[], size: number): Int32Array {
  const table = new Int32Array(size).fill(-1);
  if (keys.length === 0) return table;
  const offsets = keys.map((key) => hash32(key) % size);
  const skips = keys.map((key) => (hash32(`${key}#skip`) % (size - 1)) + 1);
  const next = new Array<number>(keys.length).fill(0);
  let filled = 0;
  for (;;) {
    for (let owner = 0; owner < keys.length; owner++) {
      let slot = ((offsets[owner] as number) + (next[owner] as number) * (skips[owner] as number)) % size;
      while (table[slot] !== -1) {
        next[owner] = (next[owner] as number) + 1;
        slot = ((offsets[owner] as number) + (next[owner] as number) * (skips[owner] as number)) % size;
      }
      table[slot] = owner;
      next[owner] = (next[owner] as number) + 1;
      if (++filled === size) return table;
    }
  }
}

export class MaglevBalancer implements EndpointPicker {
  readonly endpoints: readonly Endpoint[];
  private readonly table: Int32Array;

  constructor(endpoints: readonly Endpoint[], tableSize: number = limits.proxyMaglevTableSize) {
    this.endpoints = [...endpoints].sort((a, b) => (endpointKey(a) < endpointKey(b) ? -1 : endpointKey(a) > endpointKey(b) ? 1 : 0));
    this.table = buildTable(this.endpoints.map(endpointKey), tableSize);
  }

  /** The endpoint owning slot `hash mod M`, ignoring ejections (for tests of the table). */
  ownerOf(hash: number): Endpoint | undefined {
    return this.endpoints[this.table[(hash >>> 0) % this.table.length] as number];
  }

  pick(context: PickContext): Endpoint | undefined {
    if (this.endpoints.length === 0) return undefined;
    if (context.hash === undefined) return pickRandom(this.endpoints, context);
    const start = (context.hash >>> 0) % this.table.length;
    for (let step = 0; step < this.table.length; step++) {
      const endpoint = this.endpoints[this.table[(start + step) % this.table.length] as number] as Endpoint;
      if (context.usable(endpoint)) return endpoint;
    }
    return undefined;
  }
}
