// Ready: one batch of work the core hands its driver, and the contract for handling it.
//
//   const ready = core.ready();           // only when core.hasReady()
//   1. persist   ready.snapshot, ready.entries, ready.hardState   — durably (fsync), in that order
//   2. send      ready.messages                                   — after step 1, never before
//   3. apply     ready.committedEntries to the state machine, in order;
//                serve ready.readStates once applied ≥ their index
//   4. core.advance(ready)                                         — before calling ready() again
//
// Why this order: a vote or an append acknowledgement promises the peer that the node will
// remember the term, vote and entries across a crash; sending before persisting would break that
// promise. Committed entries may include entries of this same batch: they are durable by step 3.
// Between ready() and advance() the driver may keep calling step()/tick(); their effects wait for
// the next Ready. Messages, entries and snapshots handed out belong to the driver (not reused).

import type { Entry, HardState, Message, NodeId, Snapshot } from './messages.js';

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state worth telling the driver about when it changes (not persisted). */
export interface SoftState {
  leader: NodeId;
  role: Role;
}

/** A ReadIndex answer: the read `requestId` is linearizable once applied ≥ index. */
export interface ReadState {
  requestId: number;
  index: number;
}

export interface Ready {
  /** Present when term, vote or commit changed; persist it. */
  hardState?: HardState;
  /** New log entries to append durably (replacing any stored entries from entries[0].index on). */
  entries: Entry[];
  /** A snapshot received from the leader to persist and restore the state machine from. */
  snapshot?: Snapshot;
  /** To send once the above is durable. */
  messages: Message[];
  /** Committed entries to apply, in order. */
  committedEntries: Entry[];
  readStates: ReadState[];
  /** Present when the leader or this node's role changed. */
  softState?: SoftState;
}
