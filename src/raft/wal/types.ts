// The shapes the log, stable and snapshot stores persist. The Raft core's messages.ts defines the
// same shapes; these local copies are unified with it when the two branches merge.

import { TaxiwayError } from '../../lib/errors.js';

/** One replicated log entry. `index` and `term` are safe integers ≥ 1. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: 'normal' | 'config';
  readonly data: Uint8Array;
}

/** What a node must remember across restarts to stay safe: its term, its vote in it, and how far it knows the log is committed. */
export interface HardState {
  readonly term: number;
  /** Node id voted for in `term`; 0 = no vote. */
  readonly vote: number;
  readonly commit: number;
}

/** Describes the state a snapshot captures: the last entry it includes and the configuration at that point. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly config: { readonly voters: readonly number[]; readonly learners: readonly number[] };
}

/**
 * On-disk state that cannot be explained by a crash (a bad checksum or a broken chain anywhere but
 * in the torn tail of the newest segment). Opening refuses to continue: silently dropping the
 * damaged part could lose committed entries, so an operator has to decide (restore from a peer).
 */
export class WalCorruptionError extends TaxiwayError {
  constructor(
    readonly file: string,
    readonly offsetBytes: number,
    detail: string,
  ) {
    super('internal', `raft log corrupt in ${file} at byte ${offsetBytes}: ${detail}`);
  }
}
