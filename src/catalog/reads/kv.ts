// KV reads with the indexes Consul reports (state/kvs.go), which blocking clients depend on:
//  - one key: the entry's ModifyIndex, or, when the key is missing, the KV table's index (so a
//    client may block on a key that does not exist yet);
//  - a prefix: the largest ModifyIndex among the entries and the tombstones under it, so deleting
//    under the prefix moves it forward; the table's index when nothing is there.
// Each read watches only its key or its prefix: a write elsewhere does not wake it.

import type { DirEntry } from '../../structs/kv.js';
import type { QueryResult } from '../blocking-query.js';
import type { StateStore } from '../store.js';
import { maxTombstoneIndex } from '../tables/tombstones.js';
import { type WatchSet, watchKeys } from '../watch.js';

function tableIndex(store: StateStore): number {
  return store.maxIndex([watchKeys.kvs, watchKeys.tombstones]);
}

export function kvGet(store: StateStore, watch: WatchSet, key: string): QueryResult<DirEntry | undefined> {
  watch.add(watchKeys.kvKey(key));
  const entry = store.kvs.get(key);
  return { index: entry?.ModifyIndex ?? tableIndex(store), value: entry };
}

export function kvList(store: StateStore, watch: WatchSet, prefix: string): QueryResult<readonly DirEntry[]> {
  watch.add(watchKeys.kvPrefix(prefix));
  const entries = store.kvs.rowsWithPrefix(prefix);
  let index = 0;
  for (const entry of entries) index = Math.max(index, entry.ModifyIndex);
  return { index: prefixIndex(store, prefix, index), value: entries };
}

/**
 * The keys under a prefix. With a separator, keys are cut after the first separator that follows
 * the prefix and repeated cuts are folded into one ("a/b/" for "a/b/c" and "a/b/d").
 */
export function kvKeys(store: StateStore, watch: WatchSet, prefix: string, separator: string): QueryResult<readonly string[]> {
  watch.add(watchKeys.kvPrefix(prefix));
  const keys: string[] = [];
  let index = 0;
  for (const entry of store.kvs.rowsWithPrefix(prefix)) {
    index = Math.max(index, entry.ModifyIndex);
    const at = separator === '' ? -1 : entry.Key.indexOf(separator, prefix.length);
    const key = at === -1 ? entry.Key : entry.Key.slice(0, at + separator.length);
    if (keys[keys.length - 1] !== key) keys.push(key);
  }
  return { index: prefixIndex(store, prefix, index), value: keys };
}

function prefixIndex(store: StateStore, prefix: string, entriesIndex: number): number {
  // Listing everything: the table index already covers every entry and tombstone.
  const index = prefix === '' ? tableIndex(store) : Math.max(entriesIndex, maxTombstoneIndex(store, prefix));
  return index !== 0 ? index : tableIndex(store);
}
