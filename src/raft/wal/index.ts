// The Raft library's disk: three stores the driver persists to before it sends or applies.
//
//   driver ── Ready{entries}   ──► LogStore      segment files 0000…0001.wal, 0000…0002.wal, …
//          ── Ready{hardState} ──► StableStore   hardstate (two CRC slots, written in turn)
//          ── Ready{snapshot}  ──► SnapshotStore snap-<index>-<term>.snap (newest N)
//
// 1. LogStore.append writes a batch as one pwrite per segment and one fdatasync (log-store.ts);
//    records are [len][crc32][payload] (record.ts) holding index, term, type, data (entry-codec.ts).
// 2. A full segment rolls to a new preallocated one (segment.ts); the header keeps the term before
//    its first entry so compact() can drop whole old segments and still answer term(first - 1).
// 3. open() rebuilds the in-memory offset index by scanning (segment-scan.ts) and applies the
//    recovery rules (log-recovery.ts): a torn tail is zeroed, anything else damaged refuses to open.
// Durable file moves (temp + fsync + rename + fsync dir) live in durable-fs.ts.

export { LogStore, type LogStoreOptions } from './log-store.js';
export { StableStore } from './stable-store.js';
export { SnapshotStore, type SnapshotHandle } from './snapshot-store.js';
export { type Entry, type HardState, type SnapshotMeta, WalCorruptionError } from './types.js';
