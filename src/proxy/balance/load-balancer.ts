// service-resolver LoadBalancer (carried on the chain's resolver nodes) → the picker of a target:
//   Policy "" | round_robin → RoundRobinBalancer      random → RandomBalancer
//   least_request → LeastRequestBalancer (LeastRequestConfig.ChoiceCount, default 2)
//   ring_hash → RingHashBalancer (RingHashConfig.MinimumRingSize / MaximumRingSize, Envoy's
//   defaults 1024 / 8M, the maximum capped by limits.proxyRingHashSizeMax)
//   maglev → MaglevBalancer
// HashPolicies are parsed here too (hash-policy.ts); they only matter to the two hash pickers.

import type { Random } from '../../lib/random.js';
import type { Endpoint } from '../picker.js';
import { type HashPolicy, parseHashPolicies } from './hash-policy.js';
import { LeastRequestBalancer } from './least-request.js';
import { MaglevBalancer } from './maglev.js';
import type { EndpointPicker } from './picker.js';
import { RandomBalancer } from './random.js';
import { RingHashBalancer, type RingHashConfig } from './ring-hash.js';
import { RoundRobinBalancer } from './round-robin.js';

export type LoadBalancerPolicy =
  | { readonly policy: 'round_robin' }
  | { readonly policy: 'random' }
  | { readonly policy: 'least_request'; readonly choiceCount: number }
  | { readonly policy: 'ring_hash'; readonly ring: RingHashConfig; readonly hashPolicies: readonly HashPolicy[] }
  | { readonly policy: 'maglev'; readonly hashPolicies: readonly HashPolicy[] };

type Fields = Readonly<Record<string, unknown>>;
const positive = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback);

export const defaultChoiceCount = 2;
export const defaultMinimumRingSize = 1024;
export const defaultMaximumRingSize = 8 * 1024 * 1024;

/** Parses a validated LoadBalancer block (validate-resolver.ts); anything unknown is round robin. */
export function parseLoadBalancer(value: unknown): LoadBalancerPolicy {
  const lb = (typeof value === 'object' && value !== null ? value : {}) as Fields;
  switch (lb.Policy) {
    case 'random':
      return { policy: 'random' };
    case 'least_request': {
      const config = (lb.LeastRequestConfig ?? {}) as Fields;
      return { policy: 'least_request', choiceCount: Math.max(2, positive(config.ChoiceCount, defaultChoiceCount)) };
    }
    case 'ring_hash': {
      const config = (lb.RingHashConfig ?? {}) as Fields;
      return {
        policy: 'ring_hash',
        ring: { minimumRingSize: positive(config.MinimumRingSize, defaultMinimumRingSize), maximumRingSize: positive(config.MaximumRingSize, defaultMaximumRingSize) },
        hashPolicies: parseHashPolicies(lb.HashPolicies),
      };
    }
    case 'maglev':
      return { policy: 'maglev', hashPolicies: parseHashPolicies(lb.HashPolicies) };
    default:
      return { policy: 'round_robin' };
  }
}

export function hashPoliciesOf(policy: LoadBalancerPolicy): readonly HashPolicy[] {
  return policy.policy === 'ring_hash' || policy.policy === 'maglev' ? policy.hashPolicies : [];
}

export function buildPicker(policy: LoadBalancerPolicy, endpoints: readonly Endpoint[], random: Random): EndpointPicker {
  switch (policy.policy) {
    case 'round_robin':
      return new RoundRobinBalancer(endpoints, random);
    case 'random':
      return new RandomBalancer(endpoints);
    case 'least_request':
      return new LeastRequestBalancer(endpoints, policy.choiceCount);
    case 'ring_hash':
      return new RingHashBalancer(endpoints, policy.ring);
    case 'maglev':
      return new MaglevBalancer(endpoints);
  }
}
