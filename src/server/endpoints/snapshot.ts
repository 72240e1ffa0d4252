// Snapshot.Save and Snapshot.Restore: the whole state out as a sealed file, and back in.
//
// Save encodes the state store (src/catalog/snapshot.ts) where this server stands and wraps it in
// the file format (src/snapshot/file.ts); its index is the state's last index.
//
// Restore checks everything before the log sees anything: the file's seal and checksums, then
// that its state decodes against this server's tables. Only then does it propose the restore
// commands (catalog/tables/snapshot-restore.ts): begin, one chunk per snapshotRestoreChunkBytes,
// commit with the state's SHA-256, so every server swaps in the same state at the same log
// index. Restores on one server run one after another (a begin would abandon the other's
// staging). After the commit the leader's duties start over against the new state (session
// timers, tombstone GC, its own catalog entry, the CA), as Consul's reassertLeaderCh does.

import { enforce } from '../../acl/authorizer.js';
import { CommandType } from '../../catalog/commands.js';
import { decodeStateSnapshot, encodeStateSnapshot } from '../../catalog/snapshot.js';
import type { RestoreCommitted } from '../../catalog/tables/snapshot-restore.js';
import { limits } from '../../lib/limits.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import { decodeSnapshotFile, encodeSnapshotFile, sha256Hex } from '../../snapshot/file.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter, runQuery } from '../query.js';

type SnapshotHandlers = Pick<RpcHandlers, 'Snapshot.Save' | 'Snapshot.Restore'>;

/** `onRestored` runs after each committed restore: the server re-asserts its leader duties. */
export function snapshotHandlers(context: ServerContext, onRestored: () => Promise<void>): SnapshotHandlers {
  let previous: Promise<unknown> = Promise.resolve();
  return {
    'Snapshot.Save': async (args) => {
      enforce(context.acl.resolve(args.token), { kind: 'operator' }, 'write');
      // One synchronous read of the whole state, never blocking; gzip then runs off the loop.
      const read = await runQuery(context, { ...args, minQueryIndex: 0 }, undefined, () => ({ index: context.store.lastIndex, value: encodeStateSnapshot(context.store) }));
      const info = { index: read.meta.index, term: 0, createdAt: new Date(context.clock.nowMs()), datacenter: context.datacenter };
      return { meta: read.meta, value: await encodeSnapshotFile(read.value, info) };
    },
    'Snapshot.Restore': (args) => {
      checkDatacenter(context, args.datacenter);
      enforce(context.acl.resolve(args.token), { kind: 'operator' }, 'write');
      const run = previous.then(() => restore(context, args.file, onRestored));
      previous = run.catch(() => undefined);
      return run;
    },
  };
}

async function restore(context: ServerContext, file: Uint8Array, onRestored: () => Promise<void>): Promise<{ index: number }> {
  const { state } = await decodeSnapshotFile(file);
  decodeStateSnapshot(context.store, state);
  const id = context.random.uuid();
  await context.log.propose({ type: CommandType.SnapshotRestore, op: 'begin', id });
  let seq = 0;
  for (let at = 0; at < state.length; at += limits.snapshotRestoreChunkBytes) {
    const bytes = state.subarray(at, at + limits.snapshotRestoreChunkBytes);
    await context.log.propose({ type: CommandType.SnapshotRestore, op: 'chunk', id, seq: seq++, bytes });
  }
  const committed = (await context.log.propose({ type: CommandType.SnapshotRestore, op: 'commit', id, chunks: seq, sha256: sha256Hex(state) })) as RestoreCommitted;
  await onRestored();
  return { index: committed.index };
}
