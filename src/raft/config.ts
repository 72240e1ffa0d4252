// RaftConfig: everything a RaftCore is built from, validated up front with clear errors (after
// etcd's Config.validate). The relationships that matter: heartbeats must be more frequent than
// election timeouts, or followers would campaign between heartbeats of a healthy leader.

import type { Random } from '../lib/random.js';
import type { NodeId } from './messages.js';
import type { Storage } from './storage.js';

export interface RaftConfig {
  /** This node's id (> 0). */
  id: NodeId;
  /**
   * Voters and learners of a brand-new cluster; used only when storage holds no snapshot
   * configuration. A node joining an existing cluster passes empty lists and learns the
   * membership from the log or a snapshot.
   */
  voters: NodeId[];
  learners?: NodeId[];
  /** Ticks without hearing from a leader before campaigning; randomized in [n, 2n). */
  electionTicks: number;
  /** Ticks between a leader's heartbeats; must be < electionTicks. */
  heartbeatTicks: number;
  /** Appends in flight per follower in replicate state (flow control window). */
  maxInflightMessages: number;
  /** Entries per append message (batching bound). */
  maxEntriesPerMessage: number;
  /** Payload bytes per append message (at least one entry is always sent). */
  maxBytesPerMessage: number;
  /** Bytes of snapshot data per snapshot chunk. */
  snapshotChunkBytes: number;
  /** Campaign only after a pre-vote round shows a majority would vote (§9.6 of the thesis). */
  preVote: boolean;
  /** A leader steps down when it has not heard from a quorum for an election timeout. */
  checkQuorum: boolean;
  /** Randomness for election timeouts: seeded in tests, crypto-backed in production. */
  random: Random;
  storage: Storage;
  /** Last index the state machine has applied (restart); 0 = the snapshot's index. */
  applied?: number;
}

/** Defaults a caller can spread under its own settings. */
export const RAFT_DEFAULTS = {
  electionTicks: 10,
  heartbeatTicks: 1,
  maxInflightMessages: 256,
  maxEntriesPerMessage: 64,
  maxBytesPerMessage: 1024 * 1024,
  snapshotChunkBytes: 256 * 1024,
  preVote: true,
  checkQuorum: true,
} as const;

export class RaftConfigError extends Error {
  override readonly name = 'RaftConfigError';
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RaftConfigError(`${name} must be a positive integer, got ${value}`);
}

/** Throws RaftConfigError naming the first invalid setting. */
export function validateRaftConfig(config: RaftConfig): void {
  positiveInteger('id', config.id);
  positiveInteger('electionTicks', config.electionTicks);
  positiveInteger('heartbeatTicks', config.heartbeatTicks);
  positiveInteger('maxInflightMessages', config.maxInflightMessages);
  positiveInteger('maxEntriesPerMessage', config.maxEntriesPerMessage);
  positiveInteger('maxBytesPerMessage', config.maxBytesPerMessage);
  positiveInteger('snapshotChunkBytes', config.snapshotChunkBytes);
  if (config.electionTicks <= config.heartbeatTicks) {
    throw new RaftConfigError(`electionTicks (${config.electionTicks}) must be greater than heartbeatTicks (${config.heartbeatTicks})`);
  }
  const learners = config.learners ?? [];
  for (const id of [...config.voters, ...learners]) positiveInteger('peer id', id);
  if (new Set(config.voters).size !== config.voters.length) throw new RaftConfigError('voters contains duplicates');
  if (new Set(learners).size !== learners.length) throw new RaftConfigError('learners contains duplicates');
  const both = learners.find((id) => config.voters.includes(id));
  if (both !== undefined) throw new RaftConfigError(`node ${both} is both a voter and a learner`);
  if (config.applied !== undefined && (!Number.isSafeInteger(config.applied) || config.applied < 0)) {
    throw new RaftConfigError(`applied must be a non-negative integer, got ${config.applied}`);
  }
}
