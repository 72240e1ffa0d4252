// Restoring a snapshot file through the servers' log, from whichever agent received it: check the
// file (seal, metadata, the state's own checksum) and that its state decodes against this
// version's tables, before anything is sent; then Snapshot.Restore begin, one chunk per
// limits.snapshotRestoreChunkBytes, commit with the state's SHA-256. Each call is one RPC frame
// and one log entry, routed to the leader like any write; the servers stage the chunks in
// replicated state and swap the whole state at the commit (src/catalog/tables/snapshot-restore.ts).
// Two restores at once: the later begin abandons the earlier staging, whose next step then fails.

import { decodeStateSnapshot } from '../catalog/snapshot.js';
import { StateStore } from '../catalog/store.js';
import { limits } from '../lib/limits.js';
import type { RpcClient, SnapshotRestoreStep, WriteOptions } from '../rpc/protocol.js';
import { decodeSnapshotFile, sha256Hex } from './file.js';

/** Restores `file`; resolves with the state index the restore landed at. Throws bad_request for a bad file, before any call. */
export async function restoreSnapshotFile(rpc: RpcClient, options: WriteOptions, file: Uint8Array, id: string): Promise<number> {
  const { state } = await decodeSnapshotFile(file);
  decodeStateSnapshot(new StateStore(), state);
  const call = async (step: SnapshotRestoreStep): Promise<number> => (await rpc.call('Snapshot.Restore', { ...options, step })).index;
  await call({ op: 'begin', id });
  let seq = 0;
  for (let at = 0; at < state.length; at += limits.snapshotRestoreChunkBytes) {
    await call({ op: 'chunk', id, seq: seq++, bytes: state.subarray(at, at + limits.snapshotRestoreChunkBytes) });
  }
  return call({ op: 'commit', id, chunks: seq, sha256: sha256Hex(state) });
}
