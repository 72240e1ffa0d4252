// Operator restores through the log (commands.ts SnapshotRestoreCommand). A snapshot's state is
// far larger than one log entry, so the server proposes it as begin → chunk × n → commit; the
// chunks wait in the restore-staging table, which is replicated state like any other (a Raft
// snapshot taken mid-staging carries them, so a follower installed from it still commits).
//
//   begin(id)            drops any staging (an abandoned restore) and opens `id`, empty
//   chunk(id, seq, b)    appends b; seq must be the next one, the total stays under snapshotBytesMax
//   commit(id, n, sha)   n chunks, SHA-256 of their bytes = sha, the bytes decode as a snapshot:
//                        then the whole state is replaced at once, staging included (emptied)
//
// Every check is deterministic, so every server accepts or refuses the same command. A refused
// commit leaves the state untouched (decoding happens before the swap) and the staging in place
// until the next begin. After a commit, state indexes continue above both the log's and the
// snapshot's (store.ts header), so the index of every key restored stays below what comes next.

import { createHash } from 'node:crypto';
import { unreachable } from '../../lib/assert.js';
import { badRequest } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { SnapshotRestoreCommand } from '../commands.js';
import { decodeStateSnapshot } from '../snapshot.js';
import type { StateStore } from '../store.js';
import type { RestoreStaging } from './restore-staging.js';

/** What a commit answers: the state index the restored state now stands at. */
export interface RestoreCommitted {
  readonly index: number;
}

export function applySnapshotRestore(store: StateStore, index: number, command: SnapshotRestoreCommand): true | RestoreCommitted {
  switch (command.op) {
    case 'begin':
      return store.write(index, (tx) => {
        for (const staging of store.restoreStaging.rows()) tx.remove(store.restoreStaging, staging.ID);
        tx.put(store.restoreStaging, Object.freeze({ ID: command.id, Chunks: [], Bytes: 0 }));
        return true as const;
      });
    case 'chunk':
      return store.write(index, (tx) => {
        const staging = stagingOf(store, command.id);
        if (!(command.bytes instanceof Uint8Array)) throw badRequest(`restore ${command.id}: chunk ${command.seq} carries no bytes`);
        if (command.seq !== staging.Chunks.length) throw badRequest(`restore ${command.id}: chunk ${command.seq} arrived, chunk ${staging.Chunks.length} was expected`);
        const bytes = staging.Bytes + command.bytes.length;
        if (bytes > limits.snapshotBytesMax) throw badRequest(`restore ${command.id}: staged state exceeds ${limits.snapshotBytesMax} bytes`);
        tx.put(store.restoreStaging, Object.freeze({ ID: command.id, Chunks: Object.freeze([...staging.Chunks, command.bytes]), Bytes: bytes }));
        return true as const;
      });
    case 'commit':
      return commit(store, index, command);
    default:
      return unreachable(command);
  }
}

function stagingOf(store: StateStore, id: string): RestoreStaging {
  const staging = store.restoreStaging.get(id);
  if (staging === undefined) throw badRequest(`restore ${id} is not being staged (a later restore replaced it, or it never began)`);
  return staging;
}

function commit(store: StateStore, index: number, command: Extract<SnapshotRestoreCommand, { op: 'commit' }>): RestoreCommitted {
  const staging = stagingOf(store, command.id);
  if (staging.Chunks.length !== command.chunks) throw badRequest(`restore ${command.id}: ${staging.Chunks.length} chunks staged, ${command.chunks} announced`);
  const bytes = Buffer.concat(staging.Chunks);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== command.sha256) throw badRequest(`restore ${command.id}: staged state has SHA-256 ${sha256}, ${command.sha256} was announced`);
  const decoded = decodeStateSnapshot(store, bytes);
  // The restore takes a state index above the snapshot's own, and later log entries follow it.
  const restoredAt = Math.max(index, decoded.indexes.lastIndex + 1);
  const rows = new Map(decoded.rows);
  rows.delete(store.restoreStaging.name);
  store.replaceState(rows, { ...decoded.indexes, lastIndex: restoredAt, indexOffset: store.indexOffset + restoredAt - index });
  return { index: restoredAt };
}
