// ProgressTracker: the membership in force on this node and, on a leader, one Progress per
// member. Membership changes take effect when their entry is applied (after etcd); the leader
// allows one pending change at a time (see core.ts proposeConfigChange).

import type { ConfigState, NodeId } from './messages.js';
import { Progress } from './progress.js';
import { committedIndex, hasQuorum, voteResult, type VoteResult } from './quorum.js';
import { cloneConfig } from './storage.js';

export class ProgressTracker {
  config: ConfigState = { voters: [], learners: [] };
  readonly progress = new Map<NodeId, Progress>();

  constructor(private readonly maxInflightMessages: number) {}

  isVoter(id: NodeId): boolean {
    return this.config.voters.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.isVoter(id) || this.config.learners.includes(id);
  }

  /** Every member, voters first, each list sorted: a deterministic iteration order. */
  members(): NodeId[] {
    return [...this.config.voters, ...this.config.learners];
  }

  /** Replaces the membership, keeping the progress of members that stay. */
  setConfig(config: ConfigState, nextIndex: number): void {
    this.config = { voters: [...config.voters].sort((a, b) => a - b), learners: [...config.learners].sort((a, b) => a - b) };
    for (const id of [...this.progress.keys()]) {
      if (!this.isMember(id)) this.progress.delete(id);
    }
    for (const id of this.members()) {
      const existing = this.progress.get(id);
      if (existing === undefined) {
        const progress = new Progress(nextIndex, this.maxInflightMessages, !this.isVoter(id));
        // A new member counts as active so that adding it cannot trip CheckQuorum at once.
        progress.recentActive = true;
        this.progress.set(id, progress);
      } else {
        existing.isLearner = !this.isVoter(id);
      }
    }
  }

  /** Fresh progress for every member (a new leader knows nothing about followers). */
  resetProgress(nextIndex: number): void {
    this.progress.clear();
    this.setConfig(cloneConfig(this.config), nextIndex);
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  committedIndex(): number {
    return committedIndex(this.config.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    return voteResult(this.config.voters, votes);
  }

  quorumActive(self: NodeId): boolean {
    return hasQuorum(this.config.voters, (id) => id === self || this.progress.get(id)?.recentActive === true);
  }

  /** Whether a ReadIndex round tagged `context` has been echoed by a quorum (self included). */
  readConfirmed(self: NodeId, context: number): boolean {
    return hasQuorum(this.config.voters, (id) => id === self || (this.progress.get(id)?.readAckedContext ?? 0) >= context);
  }
}
