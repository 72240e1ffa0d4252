// RaftState: every field of one Raft node, plus the small helpers all roles share. The role
// handlers (roles.ts, replication.ts, follower.ts) operate on it; RaftCore (core.ts) is the
// public face. Kept as a plain class with public fields so the handlers can live in their own
// files without an import cycle; only src/raft touches it.

import type { Random } from '../lib/random.js';
import type { RaftConfig } from './config.js';
import type { Message, MessageBody, NodeId, SnapshotMeta } from './messages.js';
import { NO_NODE } from './messages.js';
import { RaftLog } from './raft-log.js';
import { ReadOnlyQueue } from './read-only.js';
import type { ReadState, Role } from './ready.js';
import { ProgressTracker } from './tracker.js';

/** A snapshot a follower is receiving chunk by chunk. */
export interface SnapshotAssembly {
  from: NodeId;
  term: number;
  meta: SnapshotMeta;
  chunks: Uint8Array[];
  receivedBytes: number;
}

/** A ReadIndex request that arrived before the leader committed an entry of its own term. */
export interface WaitingRead {
  requestId: number;
  from: NodeId;
}

export type Settings = Required<Omit<RaftConfig, 'storage' | 'learners' | 'voters' | 'applied'>>;

export class RaftState {
  readonly id: NodeId;
  term = 0;
  /** Whom we voted for in `term`; NO_NODE = nobody yet. */
  vote: NodeId = NO_NODE;
  /** The leader we know of in `term`; NO_NODE = unknown. */
  leader: NodeId = NO_NODE;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;

  /** Followers/candidates: ticks since the leader was last heard from (or since campaigning). */
  electionElapsedTicks = 0;
  heartbeatElapsedTicks = 0;
  /** This term's election timeout, drawn in [electionTicks, 2 * electionTicks). */
  randomizedElectionTicks = 0;
  /** Candidates: votes received in this (pre-)election. */
  readonly votes = new Map<NodeId, boolean>();

  /** Effects waiting for the next Ready. */
  messages: Message[] = [];
  readStates: ReadState[] = [];

  /** Leader: the member leadership is being transferred to; proposals are refused meanwhile. */
  leadTransferee: NodeId = NO_NODE;
  /** Leader: index of the latest config entry (or the first entry of the term); a new config
   *  change may be proposed only once this is applied. */
  pendingConfigIndex = 0;
  readonly reads = new ReadOnlyQueue();
  waitingReads: WaitingRead[] = [];
  /** Leader: proposals were appended since the last broadcast (sent when the Ready is built,
   *  so proposals arriving between two Readies travel in one append per follower). */
  proposalsPending = false;
  /** Leader: reads arrived since the last heartbeat round (one round, at the next Ready). */
  readRoundPending = false;
  /** Follower: the snapshot being received. */
  assembly: SnapshotAssembly | undefined = undefined;

  /** The current role's handlers, swapped by the become* transitions (roles.ts). */
  stepHandler: (message: Message) => void = () => undefined;
  tickHandler: () => void = () => undefined;

  constructor(
    readonly settings: Settings,
    log: RaftLog,
  ) {
    this.id = settings.id;
    this.log = log;
    this.tracker = new ProgressTracker(settings.maxInflightMessages);
  }

  get random(): Random {
    return this.settings.random;
  }

  /** Queues a message from this node; `term` defaults to the current term. */
  send(body: MessageBody, term = this.term): void {
    // Callers pass a fresh object literal: complete it in place rather than copying it.
    const message = body as Message;
    message.from = this.id;
    message.term = term;
    this.messages.push(message);
  }

  /** Only a voter of its own configuration may campaign. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id);
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTicks = this.settings.electionTicks + this.random.int(this.settings.electionTicks);
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsedTicks >= this.randomizedElectionTicks;
  }

  committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }
}
