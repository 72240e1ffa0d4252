// SortedKeys: the keys of a table kept in order, so that a prefix scan (KV ?recurse, ?keys) is a
// binary search plus a slice instead of a sort of the whole table on every write-then-read.
// Insert and delete are O(n) array moves; at 100,000 keys that is a memmove of under a megabyte,
// far below the cost of the JSON the scan feeds.
//
// Keys compare by UTF-16 code units (JavaScript's `<`). Consul's radix tree compares UTF-8 bytes;
// the two orders differ only between characters above U+FFFF and those in U+E000–U+FFFF.

import { lowerBound } from '../lib/lower-bound.js';

export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** Forgets every key and takes `keys` instead (any order; duplicates kept once). */
  reset(keys: readonly string[]): void {
    const sorted = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.keys.length = 0;
    for (const key of sorted) this.keys.push(key);
  }

  insert(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  delete(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Every key that starts with `prefix`, in order ("" gives all keys). */
  withPrefix(prefix: string): string[] {
    if (prefix === '') return this.keys.slice();
    const start = this.lowerBound(prefix);
    let end = start;
    while (end < this.keys.length && (this.keys[end] as string).startsWith(prefix)) end++;
    return this.keys.slice(start, end);
  }

  /** The first position whose key is not below `key`. */
  private lowerBound(key: string): number {
    return lowerBound(this.keys, key);
  }
}
