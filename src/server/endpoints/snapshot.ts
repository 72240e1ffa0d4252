// Snapshot.Save and Snapshot.Restore: the whole state out as a sealed file, and back in.
//
// Save encodes the state store (src/catalog/snapshot.ts) where this server stands and wraps it in
// the file format (src/snapshot/file.ts); its index is the state's last index.
//
// Restore is driven by the agent that received the file (src/snapshot/restore.ts), which has
// already checked the file's seal and that its state decodes: it calls this method once per step,
// begin, chunk × n, commit, and each call is routed to the leader like any write, so every step
// fits one RPC frame and one log entry, and a restore survives a change of leader mid-way (the
// staging is replicated state, catalog/tables/snapshot-restore.ts). Each step is checked here
// before it is proposed (the FSM must never see a malformed one); the commit checks the staged
// state's checksum and decodes it before swapping, so a bad restore changes nothing. After a
// commit the leader's duties start over against the new state (session timers, tombstone GC, its
// own catalog entry, the CA), as Consul's reassertLeaderCh does.

import { enforce } from '../../acl/authorizer.js';
import { CommandType } from '../../catalog/commands.js';
import { encodeStateSnapshot } from '../../catalog/snapshot.js';
import type { RestoreCommitted } from '../../catalog/tables/snapshot-restore.js';
import { badRequest } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { RpcHandlers, SnapshotRestoreStep } from '../../rpc/protocol.js';
import { encodeSnapshotFile } from '../../snapshot/file.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter, runQuery } from '../query.js';

type SnapshotHandlers = Pick<RpcHandlers, 'Snapshot.Save' | 'Snapshot.Restore'>;

/** `onRestored` runs after each committed restore: the server re-asserts its leader duties. */
export function snapshotHandlers(context: ServerContext, onRestored: () => Promise<void>): SnapshotHandlers {
  return {
    'Snapshot.Save': async (args) => {
      enforce(context.acl.resolve(args.token), { kind: 'operator' }, 'write');
      // One synchronous read of the whole state, never blocking; gzip then runs off the loop.
      const read = await runQuery(context, { ...args, minQueryIndex: 0 }, undefined, () => ({ index: context.store.lastIndex, value: encodeStateSnapshot(context.store) }));
      const info = { index: read.meta.index, term: 0, createdAt: new Date(context.clock.nowMs()), datacenter: context.datacenter };
      return { meta: read.meta, value: await encodeSnapshotFile(read.value, info) };
    },
    'Snapshot.Restore': async (args) => {
      checkDatacenter(context, args.datacenter);
      enforce(context.acl.resolve(args.token), { kind: 'operator' }, 'write');
      const step = checkedStep(args.step);
      const result = await context.log.propose({ type: CommandType.SnapshotRestore, ...step });
      if (step.op !== 'commit') return { index: 0 };
      await onRestored();
      return { index: (result as RestoreCommitted).index };
    },
  };
}

const sha256Pattern = /^[0-9a-f]{64}$/;

/** The step as the FSM may see it, or bad_request: a step may come from any agent over the wire. */
function checkedStep(step: SnapshotRestoreStep): SnapshotRestoreStep {
  const { id } = step;
  if (typeof id !== 'string' || id === '' || id.length > limits.snapshotRestoreIdBytesMax) throw badRequest('restore: bad staging ID');
  const count = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  switch (step.op) {
    case 'begin':
      return { op: 'begin', id };
    case 'chunk':
      if (!count(step.seq) || !(step.bytes instanceof Uint8Array) || step.bytes.length > limits.snapshotRestoreChunkBytes) throw badRequest('restore: bad chunk');
      return { op: 'chunk', id, seq: step.seq, bytes: step.bytes };
    case 'commit':
      if (!count(step.chunks) || typeof step.sha256 !== 'string' || !sha256Pattern.test(step.sha256)) throw badRequest('restore: bad commit');
      return { op: 'commit', id, chunks: step.chunks, sha256: step.sha256 };
    default:
      throw badRequest('restore: unknown step');
  }
}
