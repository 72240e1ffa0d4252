// Tombstones: the index at which each deleted KV key went away. A prefix query reports the
// largest index among its live entries and the tombstones under it, so a delete under a watched
// prefix moves the prefix's index forward and wakes its watchers, and the index never slides
// back when the newest key under a prefix is deleted (Consul's graveyard.go). The leader reaps
// tombstones older than the tombstone TTL with a command of its own (server/leader/tombstone-gc.ts).

import type { StateStore, WriteTxn } from '../store.js';
import { watchKeys } from '../watch.js';

export interface Tombstone {
  readonly Key: string;
  readonly Index: number;
}

export const tombstonePrimaryKey = (stone: Tombstone): string => stone.Key;

export function insertTombstoneTxn(store: StateStore, tx: WriteTxn, key: string): void {
  tx.put(store.tombstones, Object.freeze({ Key: key, Index: tx.index }));
  tx.touch(watchKeys.tombstones);
}

/** The largest tombstone index under a prefix, 0 when there is none. */
export function maxTombstoneIndex(store: StateStore, prefix: string): number {
  let max = 0;
  for (const stone of store.tombstones.rowsWithPrefix(prefix)) max = Math.max(max, stone.Index);
  return max;
}

/** Removes every tombstone at or below `upTo` (Consul's ReapTombstones). */
export function applyTombstoneReap(store: StateStore, index: number, upTo: number): number {
  return store.write(index, (tx) => {
    let reaped = 0;
    for (const stone of store.tombstones.rows()) {
      if (stone.Index > upTo) continue;
      tx.remove(store.tombstones, stone.Key);
      reaped++;
    }
    // Reaping changes no answer, so nothing is touched and no watcher wakes.
    return reaped;
  });
}
