// Binary search over an ascending array: the sorted KV keys (catalog/sorted-keys.ts) and the
// points of a hash ring (proxy/balance/ring-hash.ts).

/** The first position of the ascending `sorted` whose element is not below `value` (its length when none). */
export function lowerBound<T extends number | string>(sorted: ArrayLike<T>, value: T): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as T) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
