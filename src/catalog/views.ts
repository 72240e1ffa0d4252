// Views: answers derived from the tables, kept until a write touches what they were built from.
//
// Every commit stamps its index on the watch keys it touched, so "the index of key K is still N"
// means "no write has changed what K covers since N". A view built when its key's index was N is
// therefore exact for as long as the index stays N, and hundreds of clients polling the same
// service (or ten thousand blocked queries woken by one write) share one build. Views are frozen:
// callers cannot change them, and the HTTP serialiser caches their JSON like any other row.
//
// The cache holds at most one view per name, replaced when stale; names are bounded by the number
// of distinct services in the catalog.

import type { StateStore } from './store.js';
import type { WatchSet } from './watch.js';

export class Views {
  private readonly cache = new Map<string, { readonly index: number; readonly value: unknown }>();

  constructor(private readonly store: StateStore) {}

  /**
   * The view called `name` over watch key `key`, built by `build` unless a build at the key's
   * current index is cached. Adds the key to the read's watch set, like any read.
   */
  get<T>(name: string, key: string, watch: WatchSet, build: () => T): { index: number; value: T } {
    watch.add(key);
    const index = this.store.maxIndex([key]);
    const cached = this.cache.get(name);
    if (cached !== undefined && cached.index === index) return { index, value: cached.value as T };
    const value = build();
    this.cache.set(name, { index, value });
    return { index, value };
  }

  /** Drops every view (a restore replaced the state wholesale). */
  clear(): void {
    this.cache.clear();
  }
}
