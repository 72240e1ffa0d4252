// Reconnect: Serf's answer to a partition that outlived gossipToTheDeadMs. Each side declared the
// other dead and reaped it, so neither probes, gossips or push-pulls with the other any more;
// memberlist alone never heals that. We remember failed members' addresses (not left ones: they
// said goodbye) for reconnectTimeoutMs and, every reconnectIntervalMs, push-pull with one of them.
// If it answers, the merge makes each side alive to the other again (a member that hears it was
// declared dead refutes).

import { limits } from '../lib/limits.js';
import type { Member, SwimState } from './state.js';

export function rememberFailed(state: SwimState, member: Member): void {
  state.failed.delete(member.name);
  state.failed.set(member.name, { address: member.address, sinceMs: state.nowMs });
  // Map order is insertion order: the first entry is the oldest failure.
  if (state.failed.size > limits.gossipMembersMax) {
    const oldest = state.failed.keys().next();
    if (oldest.done !== true) state.failed.delete(oldest.value);
  }
}

/** Forgets failures older than reconnectTimeoutMs; asks for a push-pull with one random remaining one. */
export function reconnect(state: SwimState): void {
  for (const [name, failure] of state.failed) {
    if (state.nowMs - failure.sinceMs >= state.config.reconnectTimeoutMs) state.failed.delete(name);
  }
  if (state.failed.size === 0) return;
  const pick = state.random.int(state.failed.size);
  let index = 0;
  for (const failure of state.failed.values()) {
    if (index++ === pick) {
      state.out.pushPulls.push({ address: failure.address, join: false });
      return;
    }
  }
}
