// service-splitter weights: Consul's weights are percentages with up to two decimals that sum to
// 100. One uniform draw from the injected Random in [0, total) picks the split whose cumulative
// range holds it, so a seeded Random gives an exact, repeatable sequence.

import type { Random } from '../../lib/random.js';

export function pickSplit<S extends { readonly Weight: number }>(splits: readonly S[], random: Random): S | undefined {
  const total = splits.reduce((sum, split) => sum + Math.max(0, split.Weight), 0);
  if (total <= 0) return undefined;
  const draw = random.float() * total;
  let cumulative = 0;
  for (const split of splits) {
    cumulative += Math.max(0, split.Weight);
    if (draw < cumulative) return split;
  }
  return splits[splits.length - 1];
}
