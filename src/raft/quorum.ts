// Quorum math, pure: which index a majority of voters has matched, and whether an election is
// won, lost or still open. Kept apart from progress tracking so it can be table-tested alone.

import type { NodeId } from './messages.js';

export type VoteResult = 'won' | 'lost' | 'pending';

/** Smallest number of voters that is a majority of `voterCount` (1 for a single node). */
export function majoritySize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index that at least a majority of voters has matched. `matchOf` gives a voter's
 * match index; voters it does not know count as 0. With no voters, returns Infinity so that a
 * caller taking a minimum is unaffected (there is nothing to wait for).
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  if (voters.length === 0) return Infinity;
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  // Sorted descending, the entry at position (majority - 1) is matched by a majority.
  return matches[majoritySize(voters.length) - 1] ?? 0;
}

/** Tallies granted/rejected votes among voters; votes from non-voters are ignored. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === undefined) missing++;
    else if (vote) granted++;
  }
  const needed = majoritySize(voters.length);
  if (granted >= needed) return 'won';
  if (granted + missing >= needed) return 'pending';
  return 'lost';
}

/** True when the members for which `isActive` holds form a majority of voters. */
export function hasQuorum(voters: readonly NodeId[], isActive: (id: NodeId) => boolean): boolean {
  const active = voters.filter(isActive).length;
  return voters.length === 0 || active >= majoritySize(voters.length);
}
