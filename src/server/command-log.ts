// CommandLog: how a server turns a command into a committed, applied change. The dev server uses
// the single-node in-process log; the cluster issue replaces it with Raft behind the same interface,
// so no endpoint changes when replication arrives.

import type { Command } from '../catalog/commands.js';

export interface CommandLog {
  /**
   * Appends the command to the log and resolves with the FSM's result once the entry is committed
   * and applied on this server; rejects with the FSM's TaxiwayError when applying it failed
   * (the entry still took a log index), or with no_leader when this server cannot commit.
   */
  propose(command: Command): Promise<unknown>;
  /** The index of the last entry applied on this server. */
  readonly appliedIndex: number;
}
