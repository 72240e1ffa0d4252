// ReadIndex bookkeeping on a leader (§6.4 of the Raft thesis): a read arriving at commit index c
// is safe to serve at c once a quorum has confirmed, after the read arrived, that this node is
// still leader. Each read gets a fresh heartbeat context; an echo of context k from a peer also
// confirms every earlier read (the peer answered a later heartbeat of the same term).

import type { NodeId } from './messages.js';

export interface PendingRead {
  requestId: number;
  /** Who asked: this node, or a follower that forwarded the request. */
  from: NodeId;
  /** The leader's commit index when the read arrived. */
  index: number;
  context: number;
}

export class ReadOnlyQueue {
  private pending: PendingRead[] = [];
  private lastContext = 0;

  add(requestId: number, from: NodeId, index: number): number {
    this.lastContext++;
    this.pending.push({ requestId, from, index, context: this.lastContext });
    return this.lastContext;
  }

  /** The context to put on heartbeats: the newest pending read's, or 0 when none wait. */
  lastPendingContext(): number {
    return this.pending.at(-1)?.context ?? 0;
  }

  /** Removes and returns the oldest reads that `isConfirmed` accepts, stopping at the first not. */
  takeConfirmed(isConfirmed: (context: number) => boolean): PendingRead[] {
    let count = 0;
    while (count < this.pending.length) {
      const read = this.pending[count];
      if (read === undefined || !isConfirmed(read.context)) break;
      count++;
    }
    return this.pending.splice(0, count);
  }

  size(): number {
    return this.pending.length;
  }

  /** Drops all pending reads (leadership lost; their clients time out and retry). */
  reset(): void {
    this.pending = [];
  }
}
