// The leader's side of log replication (§5.3) and everything it sends: appends under flow
// control, snapshots in chunks, heartbeats (which also carry ReadIndex rounds), commit by
// counting matches (§5.4.2). No role transitions here: those live in roles.ts.

import { assert, unreachable } from '../lib/assert.js';
import type { AppendResponseMessage, Entry, HeartbeatResponseMessage, NodeId, SnapshotResponseMessage } from './messages.js';
import type { Progress } from './progress.js';
import type { RaftState } from './raft-state.js';
import type { PendingRead } from './read-only.js';

/**
 * Sends `to` the next batch of entries if flow control allows; an empty append (a probe or a
 * commit refresh) only when sendIfEmpty. Falls back to a snapshot when the entries it needs were
 * compacted. Returns whether a message was sent.
 */
export function maybeSendAppend(r: RaftState, to: NodeId, sendIfEmpty: boolean): boolean {
  const progress = r.tracker.get(to);
  if (progress === undefined || to === r.id || progress.isPaused()) return false;
  const prevIndex = progress.next - 1;
  const prevTerm = r.log.term(prevIndex);
  // With a full window send only an empty append (a heartbeat response let it through): if all
  // appends in flight were lost, its acceptance or rejection resets the window.
  const windowFull = progress.state === 'replicate' && progress.inflights.full();
  const entries = windowFull ? [] : r.log.entriesFrom(progress.next, r.settings.maxBytesPerMessage);
  if (prevTerm === undefined || entries === undefined) return startSnapshot(r, to, progress);
  const batch = entries.slice(0, r.settings.maxEntriesPerMessage);
  if (batch.length === 0 && !sendIfEmpty) return false;
  r.send({ type: 'append', to, index: prevIndex, logTerm: prevTerm, entries: batch, commit: r.log.committed });
  progress.sentEntries(batch.length, prevIndex + batch.length);
  return true;
}

export function bcastAppend(r: RaftState): void {
  for (const id of r.tracker.members()) {
    if (id !== r.id) maybeSendAppend(r, id, true);
  }
}

/** Keeps sending to `to` while the window is open and entries remain. */
function sendAppendsWhileOpen(r: RaftState, to: NodeId): void {
  // Each successful send either advances next or fills the window, so this terminates.
  while (maybeSendAppend(r, to, false));
}

function startSnapshot(r: RaftState, to: NodeId, progress: Progress): boolean {
  // A follower we have not heard from lately may be down: don't build up a transfer for it.
  if (!progress.recentActive) return false;
  const snapshot = r.log.snapshot();
  assert(snapshot.meta.index > 0, `follower ${to} needs compacted entries but there is no snapshot`);
  progress.becomeSnapshot({ snapshot, offsetBytes: 0, offsetAtLastHeartbeat: -1 });
  sendSnapshotChunk(r, to, progress);
  return true;
}

function sendSnapshotChunk(r: RaftState, to: NodeId, progress: Progress): void {
  const transfer = progress.transfer;
  assert(transfer !== undefined, 'snapshot chunk without a transfer');
  const { meta, data } = transfer.snapshot;
  const end = Math.min(data.length, transfer.offsetBytes + r.settings.snapshotChunkBytes);
  const chunk = data.subarray(transfer.offsetBytes, end);
  r.send({ type: 'snapshot', to, meta, offset: transfer.offsetBytes, data: chunk, done: end >= data.length });
}

export function bcastHeartbeat(r: RaftState): void {
  const context = r.reads.lastPendingContext();
  for (const id of r.tracker.members()) {
    if (id === r.id) continue;
    const progress = r.tracker.get(id);
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(progress?.match ?? 0, r.log.committed);
    r.send({ type: 'heartbeat', to: id, commit, context });
  }
}

/** Appends new entries to the leader's log, stamping term and index; returns the last index. */
export function appendEntries(r: RaftState, entries: Pick<Entry, 'type' | 'data'>[]): number {
  let index = r.log.lastIndex();
  const stamped = entries.map((entry) => ({ term: r.term, index: ++index, type: entry.type, data: entry.data }));
  r.log.append(stamped);
  r.tracker.get(r.id)?.maybeUpdate(r.log.lastIndex());
  maybeCommit(r);
  return r.log.lastIndex();
}

/** Advances commit to what a majority matched, if that entry is of this term (§5.4.2). */
export function maybeCommit(r: RaftState): boolean {
  return r.log.maybeCommit(r.tracker.committedIndex(), r.term);
}

export function handleAppendResponse(r: RaftState, m: AppendResponseMessage, progress: Progress): void {
  progress.recentActive = true;
  if (m.reject) {
    // Fast back-off: skip every entry of terms the follower cannot match.
    const hint = m.logTerm > 0 ? r.log.findConflictByTerm(m.rejectHint, m.logTerm).index : m.rejectHint;
    if (progress.maybeDecrTo(m.index, hint)) {
      if (progress.state === 'replicate') progress.becomeProbe();
      maybeSendAppend(r, m.from, true);
    }
    return;
  }
  const wasPaused = progress.isPaused();
  if (!progress.maybeUpdate(m.index)) return;
  switch (progress.state) {
    case 'probe':
      progress.becomeReplicate();
      break;
    case 'snapshot':
      if (progress.match >= progress.pendingSnapshot || progress.match + 1 >= r.log.firstIndex()) {
        progress.becomeProbe();
        progress.becomeReplicate();
      }
      break;
    case 'replicate':
      progress.inflights.freeLE(m.index);
      break;
    default:
      unreachable(progress.state);
  }
  if (maybeCommit(r)) {
    releaseWaitingReads(r);
    bcastAppend(r);
  } else if (wasPaused) {
    maybeSendAppend(r, m.from, true);
  }
  sendAppendsWhileOpen(r, m.from);
  if (m.from === r.leadTransferee && progress.match === r.log.lastIndex()) {
    r.send({ type: 'timeoutNow', to: m.from });
  }
}

export function handleHeartbeatResponse(r: RaftState, m: HeartbeatResponseMessage, progress: Progress): void {
  progress.recentActive = true;
  progress.flowPaused = false;
  const transfer = progress.transfer;
  if (progress.state === 'snapshot' && transfer !== undefined) {
    // Retransmit a chunk only when the transfer made no progress since the last heartbeat.
    if (transfer.offsetAtLastHeartbeat === transfer.offsetBytes) sendSnapshotChunk(r, m.from, progress);
    transfer.offsetAtLastHeartbeat = transfer.offsetBytes;
  } else if (progress.match < r.log.lastIndex()) {
    maybeSendAppend(r, m.from, true);
  }
  if (m.context > progress.readAckedContext) {
    progress.readAckedContext = m.context;
    releaseConfirmedReads(r);
  }
}

export function handleSnapshotResponse(r: RaftState, m: SnapshotResponseMessage, progress: Progress): void {
  progress.recentActive = true;
  const transfer = progress.transfer;
  if (progress.state !== 'snapshot' || transfer === undefined || m.index !== progress.pendingSnapshot) return;
  // At the end the follower answers with an appendResponse once it has restored.
  if (m.offset >= transfer.snapshot.data.length && transfer.snapshot.data.length > 0) return;
  transfer.offsetBytes = m.offset;
  sendSnapshotChunk(r, m.from, progress);
}

/** A ReadIndex request reaching the leader, from itself or forwarded by a follower. */
export function handleReadRequest(r: RaftState, requestId: number, from: NodeId): void {
  // Until an entry of its term commits, a new leader's commit index may lag the true one.
  if (!r.committedInCurrentTerm()) {
    r.waitingReads.push({ requestId, from });
    return;
  }
  r.reads.add(requestId, from, r.log.committed);
  releaseConfirmedReads(r);
  // One heartbeat round, sent with the next Ready, confirms every read that arrived until then.
  if (r.reads.size() > 0) r.readRoundPending = true;
}

export function releaseWaitingReads(r: RaftState): void {
  if (r.waitingReads.length === 0 || !r.committedInCurrentTerm()) return;
  const waiting = r.waitingReads;
  r.waitingReads = [];
  for (const read of waiting) handleReadRequest(r, read.requestId, read.from);
}

function releaseConfirmedReads(r: RaftState): void {
  for (const read of r.reads.takeConfirmed((context) => r.tracker.readConfirmed(r.id, context))) answerRead(r, read);
}

function answerRead(r: RaftState, read: PendingRead): void {
  if (read.from === r.id) r.readStates.push({ requestId: read.requestId, index: read.index });
  else r.send({ type: 'readIndexResponse', to: read.from, requestId: read.requestId, index: read.index });
}
