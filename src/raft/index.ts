// Raft consensus core: public surface.
//
//                 tick()      step(msg)     propose / proposeConfigChange / readIndex / transferLeadership
//                   │            │                │
//                   ▼            ▼                ▼
//   ┌─────────────────────────── RaftCore (core.ts) ───────────────────────────┐
//   │ roles.ts       become{Follower,PreCandidate,Candidate,Leader} swap the   │
//   │                step/tick handlers; stepMessage() does terms once (§5.1)  │
//   │ replication.ts leader: appends (flow control: progress.ts), snapshots   │
//   │                in chunks, heartbeats, commit by quorum (quorum.ts),      │
//   │                ReadIndex rounds (read-only.ts)                           │
//   │ follower.ts    consistency check, snapshot assembly and install          │
//   │ raft-log.ts    Storage (durable, storage.ts) + unstable tail             │
//   │                (log-unstable.ts), commit and apply cursors               │
//   └──────────────────────────────────┬───────────────────────────────────────┘
//                                      │ hasReady() / ready()
//                                      ▼
//   The driver's loop (contract in ready.ts):
//     1. persist  ready.snapshot, ready.entries, ready.hardState  (fsync)
//     2. send     ready.messages
//     3. apply    ready.committedEntries; answer ready.readStates once applied ≥ index
//     4. advance  core.advance(ready)
//
// RaftCore's surface (core.ts):
//   new RaftCore(config: RaftConfig)           validated; throws RaftConfigError naming the setting
//   tick()  step(message)  campaign()
//   propose(data) / proposeConfigChange(change)        → ProposeResult {ok, index, term} | {dropped, reason, leader}
//   readIndex(requestId) / transferLeadership(to)      → RequestResult {ok} | {dropped, reason, leader}
//   reportUnreachable(peer)                            transport hint: stop streaming, probe again
//   hasReady()  ready()  advance(ready)                the loop above
//   status()  hardState()  softState()  term(index)  firstIndex()   read-only
//
// Membership changes take effect when their entry is applied (one change at a time, and only
// after the leader committed an entry of its term); a config entry carries the whole resulting
// configuration (messages.ts). A node joining a cluster starts with voters: [] and an empty
// storage, and learns the membership from the log or a snapshot.
// Reads: ReadIndex only (no lease reads: a lease needs a clock-drift bound the core cannot check).
// Snapshots: the leader sends storage.snapshot() in snapshotChunkBytes chunks; a lost chunk is
// resent after a heartbeat round without progress; the follower hands the whole snapshot to its
// driver in Ready.snapshot.

export { RAFT_DEFAULTS, RaftConfigError, validateRaftConfig, type RaftConfig } from './config.js';
export {
  RaftCore,
  nextConfig,
  type DropReason,
  type PeerStatus,
  type ProposeResult,
  type RaftStatus,
  type RequestResult,
} from './core.js';
export {
  decodeConfigEntry,
  encodeConfigEntry,
  NO_NODE,
  type ConfigChange,
  type ConfigEntryPayload,
  type ConfigState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  type Snapshot,
  type SnapshotMeta,
} from './messages.js';
export type { ProgressState } from './progress.js';
export type { ReadState, Ready, Role, SoftState } from './ready.js';
export { MemoryStorage, type InitialState, type Storage } from './storage.js';
