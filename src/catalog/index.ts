// The catalog: the replicated state of one datacenter (nodes, services, checks, KV with its
// tombstones, sessions, the Connect CA's roots and configuration), in memory.
//
//   command (commands.ts, numbered)            read (reads/*.ts)
//        │ encoded by the log                      │ adds watch keys to a WatchSet
//        ▼                                         ▼
//   Fsm.apply(index, bytes) ─ fsm.ts          blocking-query.ts ── waits on the keys ──┐
//        │ dispatch by command type                │                                  │
//        ▼                                         ▼                                  │
//   tables/{registration,kv,sessions,txn}.ts ──► store.write(index, tx => …) ─ store.ts│
//        │ tables/*.ts put/remove rows, touch watch keys (KV: exact + prefix)          │
//        ▼                                                                            │
//   commit: index stamped on touched keys ─ watch.ts ─ wakes watchers ─────────────────┘
//
//   views.ts: answers derived from the tables, rebuilt only when their key's index moves.
//   snapshot.ts: the whole state as bytes and back (the Raft FSM's snapshot() and restore());
//   tables/snapshot-restore.ts: an operator restore staged through the log, then swapped in.
//
// Nothing here does I/O or reads the time: the log, the clock and the randomness are passed in,
// so every behaviour can be replayed in tests.

export { blockingQuery, type QueryResult } from './blocking-query.js';
export { type Command, CommandType, decodeCommand, encodeCommand } from './commands.js';
export { type ApplyResult, Fsm } from './fsm.js';
export { decodeStateSnapshot, encodeStateSnapshot, restoreStateSnapshot } from './snapshot.js';
export { StateStore } from './store.js';
export { WatchSet, watchKeys } from './watch.js';
