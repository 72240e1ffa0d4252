// The follower's side of replication: the AppendEntries consistency check (§5.3), heartbeats,
// and receiving a snapshot in chunks then installing it (§7). No role transitions here.

import type { AppendMessage, HeartbeatMessage, Snapshot, SnapshotMessage } from './messages.js';
import type { RaftState } from './raft-state.js';

function acceptUpTo(r: RaftState, to: number, index: number): void {
  r.send({ type: 'appendResponse', to, index, reject: false, rejectHint: 0, logTerm: 0 });
}

export function handleAppend(r: RaftState, m: AppendMessage): void {
  if (m.index < r.log.committed) {
    // Everything up to our commit index matches the leader's log already (Log Matching).
    acceptUpTo(r, m.from, r.log.committed);
    return;
  }
  const lastNewIndex = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNewIndex !== undefined) {
    acceptUpTo(r, m.from, lastNewIndex);
    return;
  }
  // Reject with a hint: our largest index whose term is ≤ the leader's term at m.index. The
  // leader can then jump over every entry of a term we do not share in one round trip.
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.send({ type: 'appendResponse', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
}

export function handleHeartbeat(r: RaftState, m: HeartbeatMessage): void {
  r.log.commitTo(m.commit);
  r.send({ type: 'heartbeatResponse', to: m.from, context: m.context });
}

/** Collects chunks in order; on the last one installs the snapshot (or finds it redundant). */
export function handleSnapshotChunk(r: RaftState, m: SnapshotMessage): void {
  if (m.meta.index <= r.log.committed) {
    // Already have everything it covers: tell the leader where we are.
    r.assembly = undefined;
    acceptUpTo(r, m.from, r.log.committed);
    return;
  }
  if (m.offset === 0) r.assembly = { from: m.from, term: m.term, meta: m.meta, chunks: [], receivedBytes: 0 };
  const assembly = r.assembly;
  const sameTransfer = assembly !== undefined && assembly.from === m.from && assembly.term === m.term && assembly.meta.index === m.meta.index;
  if (!sameTransfer || m.offset !== assembly.receivedBytes) {
    // Out of order or from an abandoned transfer: ask for what we can use.
    r.send({ type: 'snapshotResponse', to: m.from, index: m.meta.index, offset: sameTransfer ? assembly.receivedBytes : 0 });
    return;
  }
  assembly.chunks.push(m.data);
  assembly.receivedBytes += m.data.length;
  if (!m.done) {
    r.send({ type: 'snapshotResponse', to: m.from, index: m.meta.index, offset: assembly.receivedBytes });
    return;
  }
  r.assembly = undefined;
  const data = new Uint8Array(assembly.receivedBytes);
  let offset = 0;
  for (const chunk of assembly.chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  const restored = restoreSnapshot(r, { meta: m.meta, data });
  acceptUpTo(r, m.from, restored ? r.log.lastIndex() : r.log.committed);
}

/** Installs a snapshot unless our log already contains its last entry; returns whether it did. */
export function restoreSnapshot(r: RaftState, snapshot: Snapshot): boolean {
  const { meta } = snapshot;
  if (meta.index <= r.log.committed) return false;
  if (r.log.matchTerm(meta.index, meta.term)) {
    // Our log already holds the snapshot's last entry: just move commit forward.
    r.log.commitTo(meta.index);
    return false;
  }
  r.log.restore(snapshot);
  r.tracker.setConfig(meta.config, r.log.lastIndex() + 1);
  return true;
}
