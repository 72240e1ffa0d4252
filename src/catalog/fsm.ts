// The finite state machine: applies committed log entries to the state store, in log order.
// apply(index, bytes) is the single entry point for every change to replicated state; in dev mode
// a single-node in-process log feeds it, in a cluster the Raft driver does. It must be
// deterministic: same entries in the same order → same state on every server.

import { AssertionError, unreachable } from '../lib/assert.js';
import { TaxiwayError } from '../lib/errors.js';
import { type Command, CommandType, decodeCommand } from './commands.js';
import type { StateStore } from './store.js';
import { applyAutopilot } from './tables/autopilot.js';
import { applyConfigEntry } from './tables/config-entries.js';
import { applyConnectCa } from './tables/connect-ca.js';
import { applyKvWrite } from './tables/kv.js';
import { applySnapshotRestore } from './tables/snapshot-restore.js';
import { applyDeregister, applyRegister } from './tables/registration.js';
import { sessionCreateTxn, sessionDestroyTxn } from './tables/sessions.js';
import { applyTombstoneReap } from './tables/tombstones.js';
import { applyTxn } from './tables/txn.js';

/**
 * What applying one entry produced. Errors here are deterministic outcomes of the command (every
 * server reaches the same one), returned to whoever proposed it, never thrown into the log loop.
 */
export type ApplyResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: TaxiwayError };

export class Fsm {
  constructor(readonly store: StateStore) {}

  apply(index: number, bytes: Uint8Array): ApplyResult {
    const decoded = decodeCommand(bytes);
    if (decoded.kind === 'unknown') {
      // Skipping an unknown command would silently diverge this server from the others.
      if (!decoded.ignorable) throw new AssertionError(`log entry ${index} holds unknown command type ${decoded.type}`);
      return { ok: true, value: undefined };
    }
    return this.applyCommand(index, decoded.command);
  }

  /**
   * Applies a decoded command at log index `index`. The state sees index + the store's index
   * offset, which is 0 until an operator restore moves it (store.ts header).
   */
  applyCommand(index: number, command: Command): ApplyResult {
    try {
      return { ok: true, value: this.dispatch(index + this.store.indexOffset, command) };
    } catch (error) {
      if (error instanceof TaxiwayError) return { ok: false, error };
      throw error;
    }
  }

  private dispatch(index: number, command: Command): unknown {
    switch (command.type) {
      case CommandType.Register:
        return applyRegister(this.store, index, command);
      case CommandType.Deregister:
        return applyDeregister(this.store, index, command);
      case CommandType.KvWrite:
        return applyKvWrite(this.store, index, command.write);
      case CommandType.Session:
        return command.op === 'create'
          ? this.store.write(index, (tx) => sessionCreateTxn(this.store, tx, command.session))
          : this.store.write(index, (tx) => sessionDestroyTxn(this.store, tx, command.id));
      case CommandType.TombstoneReap:
        return applyTombstoneReap(this.store, index, command.upTo);
      case CommandType.Txn:
        return applyTxn(this.store, index, command.ops);
      case CommandType.ConnectCa:
        return applyConnectCa(this.store, index, command);
      case CommandType.ConfigEntry:
        return applyConfigEntry(this.store, index, command);
      case CommandType.Autopilot:
        return applyAutopilot(this.store, index, command);
      case CommandType.SnapshotRestore:
        return applySnapshotRestore(this.store, index, command);
      default:
        return unreachable(command);
    }
  }
}
