// Roles as handlers (style rule 3): each become*() swaps the step and tick handlers, so no code
// elsewhere asks "am I leader?". stepMessage() does the term bookkeeping once (§5.1) before
// dispatching to the role. Follows the shape of etcd's raft.go Step/becomeX/stepX, rewritten.

import { assert, unreachable } from '../lib/assert.js';
import { handleAppend, handleHeartbeat, handleSnapshotChunk } from './follower.js';
import { decodeConfigEntry, NO_NODE, type Entry, type Message, type NodeId, type VoteMessage } from './messages.js';
import type { RaftState } from './raft-state.js';
import {
  appendEntries,
  bcastAppend,
  bcastHeartbeat,
  handleAppendResponse,
  handleHeartbeatResponse,
  handleReadRequest,
  handleSnapshotResponse,
  maybeCommit,
} from './replication.js';

/** Why a campaign starts: a timeout (with pre-vote if enabled) or a leader's timeoutNow. */
export type CampaignTrigger = 'timeout' | 'transfer';

function reset(r: RaftState, term: number): void {
  if (r.term !== term) {
    r.term = term;
    r.vote = NO_NODE;
  }
  r.leader = NO_NODE;
  r.electionElapsedTicks = 0;
  r.heartbeatElapsedTicks = 0;
  r.resetRandomizedElectionTimeout();
  r.leadTransferee = NO_NODE;
  r.votes.clear();
  r.tracker.resetProgress(r.log.lastIndex() + 1);
  for (const [id, progress] of r.tracker.progress) progress.recentActive = id === r.id;
  const self = r.tracker.get(r.id);
  if (self !== undefined) self.match = r.log.lastIndex();
  r.pendingConfigIndex = 0;
  r.reads.reset();
  r.waitingReads = [];
  r.proposalsPending = false;
  r.readRoundPending = false;
}

export function becomeFollower(r: RaftState, term: number, leader: NodeId): void {
  r.stepHandler = (m) => stepFollower(r, m);
  r.tickHandler = () => tickElection(r);
  reset(r, term);
  r.leader = leader;
  r.role = 'follower';
}

function becomePreCandidate(r: RaftState): void {
  assert(r.role !== 'leader', 'leader cannot become pre-candidate');
  // No term change and no vote: a pre-election must not disturb anyone (§9.6 of the thesis).
  r.stepHandler = (m) => stepCandidate(r, m);
  r.tickHandler = () => tickElection(r);
  r.votes.clear();
  r.leader = NO_NODE;
  r.role = 'preCandidate';
}

function becomeCandidate(r: RaftState): void {
  assert(r.role !== 'leader', 'leader cannot become candidate');
  r.stepHandler = (m) => stepCandidate(r, m);
  r.tickHandler = () => tickElection(r);
  reset(r, r.term + 1);
  r.vote = r.id;
  r.role = 'candidate';
}

function becomeLeader(r: RaftState): void {
  assert(r.role === 'candidate', `only a candidate becomes leader, not a ${r.role}`);
  r.stepHandler = (m) => stepLeader(r, m);
  r.tickHandler = () => tickHeartbeat(r);
  reset(r, r.term);
  r.leader = r.id;
  r.role = 'leader';
  r.tracker.get(r.id)?.becomeReplicate();
  // The no-op entry commits every earlier entry once it commits (§5.4.2, §8); until then no
  // config change may be proposed (the one-at-a-time membership safety fix).
  r.pendingConfigIndex = appendEntries(r, [{ type: 'normal', data: new Uint8Array() }]);
}

/** Starts an election if this node may: a voter, not leader, with no unapplied config change. */
export function hup(r: RaftState, trigger: CampaignTrigger): void {
  if (r.role === 'leader' || !r.promotable() || hasUnappliedConfig(r)) return;
  if (trigger === 'timeout' && r.settings.preVote) campaign(r, 'preElection', false);
  else campaign(r, 'election', trigger === 'transfer');
}

function hasUnappliedConfig(r: RaftState): boolean {
  if (r.log.committed <= r.log.applied) return false;
  const pending = r.log.slice(Math.max(r.log.applied + 1, r.log.firstIndex()), r.log.committed + 1, Infinity) ?? [];
  return pending.some((entry) => entry.type === 'config');
}

function campaign(r: RaftState, kind: 'preElection' | 'election', transfer: boolean): void {
  const preVote = kind === 'preElection';
  if (preVote) becomePreCandidate(r);
  else becomeCandidate(r);
  const voteTerm = preVote ? r.term + 1 : r.term;
  r.votes.set(r.id, true);
  if (r.tracker.voteResult(r.votes) === 'won') {
    // A single-voter cluster wins at once.
    if (preVote) campaign(r, 'election', transfer);
    else becomeLeader(r);
    return;
  }
  const lastIndex = r.log.lastIndex();
  const lastTerm = r.log.lastTerm();
  for (const id of r.tracker.config.voters) {
    if (id !== r.id) r.send({ type: 'vote', to: id, preVote, lastIndex, lastTerm, transfer }, voteTerm);
  }
}

/** Term bookkeeping shared by all roles (§5.1), then the vote rule, then the role's handler. */
export function stepMessage(r: RaftState, m: Message): void {
  if (m.term > r.term) {
    if (m.type === 'vote' && !m.transfer && inLeaderLease(r)) return;
    const keepTerm = (m.type === 'vote' && m.preVote) || (m.type === 'voteResponse' && m.preVote && !m.reject);
    if (!keepTerm) {
      const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
      becomeFollower(r, m.term, fromLeader ? m.from : NO_NODE);
    }
  } else if (m.term < r.term) {
    if ((r.settings.checkQuorum || r.settings.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
      // A stale leader cut off by a partition would otherwise never learn the newer term.
      r.send({ type: 'appendResponse', to: m.from, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
    } else if (m.type === 'vote' && m.preVote) {
      r.send({ type: 'voteResponse', to: m.from, preVote: true, reject: true });
    }
    return;
  }
  if (m.type === 'vote') handleVote(r, m);
  else r.stepHandler(m);
}

/** With CheckQuorum, a node that heard from a leader within the election timeout ignores votes. */
function inLeaderLease(r: RaftState): boolean {
  return r.settings.checkQuorum && r.leader !== NO_NODE && r.electionElapsedTicks < r.settings.electionTicks;
}

function handleVote(r: RaftState, m: VoteMessage): void {
  // §5.2: one vote per term, first come first served; a pre-vote for a future term is free.
  const canVote = r.vote === m.from || (r.vote === NO_NODE && r.leader === NO_NODE) || (m.preVote && m.term > r.term);
  // §5.4.1: only for a candidate whose log is at least as up to date as ours.
  if (canVote && r.log.isUpToDate(m.lastIndex, m.lastTerm)) {
    r.send({ type: 'voteResponse', to: m.from, preVote: m.preVote, reject: false }, m.term);
    if (!m.preVote) {
      r.electionElapsedTicks = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ type: 'voteResponse', to: m.from, preVote: m.preVote, reject: true });
  }
}

function stepFollower(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      r.electionElapsedTicks = 0;
      r.leader = m.from;
      stepFromLeader(r, m);
      return;
    case 'timeoutNow':
      hup(r, 'transfer');
      return;
    case 'readIndexResponse':
      r.readStates.push({ requestId: m.requestId, index: m.index });
      return;
    case 'appendResponse':
    case 'vote':
    case 'voteResponse':
    case 'heartbeatResponse':
    case 'snapshotResponse':
    case 'readIndex':
      return; // stale or misdirected: nothing to do
    default:
      unreachable(m);
  }
}

function stepFromLeader(r: RaftState, m: Message & { type: 'append' | 'heartbeat' | 'snapshot' }): void {
  if (m.type === 'append') handleAppend(r, m);
  else if (m.type === 'heartbeat') handleHeartbeat(r, m);
  else handleSnapshotChunk(r, m);
}

function stepCandidate(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      // A leader exists in our term (§5.2): give up the election.
      becomeFollower(r, m.term, m.from);
      stepFromLeader(r, m);
      return;
    case 'voteResponse': {
      if (m.preVote !== (r.role === 'preCandidate')) return;
      r.votes.set(m.from, !m.reject);
      const result = r.tracker.voteResult(r.votes);
      if (result === 'won') {
        if (r.role === 'preCandidate') {
          campaign(r, 'election', false);
        } else {
          becomeLeader(r);
          bcastAppend(r);
        }
      } else if (result === 'lost') {
        becomeFollower(r, r.term, NO_NODE);
      }
      return;
    }
    case 'appendResponse':
    case 'vote':
    case 'heartbeatResponse':
    case 'snapshotResponse':
    case 'timeoutNow':
    case 'readIndex':
    case 'readIndexResponse':
      return;
    default:
      unreachable(m);
  }
}

function stepLeader(r: RaftState, m: Message): void {
  const progress = r.tracker.get(m.from);
  switch (m.type) {
    case 'appendResponse':
      if (progress !== undefined) handleAppendResponse(r, m, progress);
      return;
    case 'heartbeatResponse':
      if (progress !== undefined) handleHeartbeatResponse(r, m, progress);
      return;
    case 'snapshotResponse':
      if (progress !== undefined) handleSnapshotResponse(r, m, progress);
      return;
    case 'readIndex':
      if (progress !== undefined) handleReadRequest(r, m.requestId, m.from);
      return;
    case 'append':
    case 'heartbeat':
    case 'snapshot':
    case 'vote':
    case 'voteResponse':
    case 'timeoutNow':
    case 'readIndexResponse':
      return; // another leader in our term is impossible (election safety); stale otherwise
    default:
      unreachable(m);
  }
}

function tickElection(r: RaftState): void {
  r.electionElapsedTicks++;
  if (r.promotable() && r.pastElectionTimeout()) {
    r.electionElapsedTicks = 0;
    hup(r, 'timeout');
  }
}

function tickHeartbeat(r: RaftState): void {
  r.heartbeatElapsedTicks++;
  r.electionElapsedTicks++;
  if (r.electionElapsedTicks >= r.settings.electionTicks) {
    r.electionElapsedTicks = 0;
    if (r.settings.checkQuorum) {
      if (!r.tracker.quorumActive(r.id)) {
        becomeFollower(r, r.term, NO_NODE);
        return;
      }
      for (const [id, progress] of r.tracker.progress) progress.recentActive = id === r.id;
    }
    // A transfer that did not finish within an election timeout is abandoned.
    r.leadTransferee = NO_NODE;
  }
  if (r.heartbeatElapsedTicks >= r.settings.heartbeatTicks) {
    r.heartbeatElapsedTicks = 0;
    bcastHeartbeat(r);
  }
}

/** Makes an applied config entry's membership current (changes take effect when applied). */
export function applyConfigEntry(r: RaftState, entry: Entry): void {
  const { config } = decodeConfigEntry(entry.data);
  r.tracker.setConfig(config, r.log.lastIndex() + 1);
  if (r.role !== 'leader') return;
  if (!r.tracker.isVoter(r.id)) {
    // Removed (or demoted): stop leading; the remaining voters elect a leader among themselves.
    becomeFollower(r, r.term, NO_NODE);
    return;
  }
  if (!r.tracker.isVoter(r.leadTransferee)) r.leadTransferee = NO_NODE;
  maybeCommit(r);
  bcastAppend(r);
}
