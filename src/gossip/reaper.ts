// Reaper: dead and left members are kept (and still gossiped to, so a wrongly-killed member hears
// it and refutes) for gossipToTheDeadMs, then forgotten with a reap event (memberlist's resetNodes).

import { emitMemberEvent, type SwimState } from './state.js';

export function reapGone(state: SwimState): void {
  for (const member of state.members.values()) {
    if (member.state !== 'dead' && member.state !== 'left') continue;
    if (state.nowMs - member.stateChangeMs < state.config.gossipToTheDeadMs) continue;
    state.members.delete(member.name);
    emitMemberEvent(state, 'reap', member);
  }
}
