// The shapes the log, stable and snapshot stores persist are the Raft core's own (messages.ts):
// one definition, so the driver hands Ready contents to the stores without conversion.

import { TaxiwayError } from '../../lib/errors.js';

export type { Entry, HardState, SnapshotMeta } from '../messages.js';

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
