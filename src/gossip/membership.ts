// Membership transitions (memberlist's aliveNode / suspectNode / deadNode in state.go) and the
// push-pull merge rules (mergeState). Every rule compares incarnations first: news about an older
// incarnation is stale and ignored, so the order in which gossip arrives does not matter.
//
//   alive(i)   accepted if i > known (or the member is new); clears a suspicion; dead/left → join
//   suspect(i) accepted if i ≥ known and the member is alive; a running suspicion takes it as a
//              confirmation instead (Lifeguard); about ourselves → refute
//   dead(i)    accepted if i ≥ known and the member is not already dead/left; from === node means
//              a graceful leave; about ourselves → refute, unless we are leaving
//   refute     our incarnation jumps past the accusation and we broadcast alive (and, Lifeguard,
//              count it against our own health: others could not hear us)

import { unreachable } from '../lib/assert.js';
import { applyAwarenessDelta } from './awareness.js';
import type { AliveMessage, DeadMessage, RemoteState, SuspectMessage } from './messages.js';
import { rememberFailed } from './reconnect.js';
import { broadcast, emitMemberEvent, metaEqual, type Member, type SwimState } from './state.js';
import { expectedConfirmations, startSuspicion, suspicionMinTimeoutMs, confirmSuspicion } from './suspicion.js';

/** Called when a member is added, so the prober can place it in its round-robin order. */
export type OnNewMember = (name: string) => void;

export function aliveNode(state: SwimState, message: AliveMessage, onNewMember: OnNewMember): void {
  if (message.node === state.self.name) {
    aliveAboutSelf(state, message);
    return;
  }
  const member = state.members.get(message.node);
  if (member === undefined) {
    const added: Member = { name: message.node, address: message.address, meta: message.meta, incarnation: message.incarnation, state: 'alive', stateChangeMs: state.nowMs };
    state.members.set(added.name, added);
    state.failed.delete(added.name);
    onNewMember(added.name);
    broadcast(state, added.name, message);
    emitMemberEvent(state, 'join', added);
    return;
  }
  if (message.incarnation <= member.incarnation) return;
  state.suspicions.delete(member.name);
  state.failed.delete(member.name);
  const wasGone = member.state === 'dead' || member.state === 'left';
  const changed = member.address !== message.address || !metaEqual(member.meta, message.meta);
  if (member.state !== 'alive') member.stateChangeMs = state.nowMs;
  member.incarnation = message.incarnation;
  member.address = message.address;
  member.meta = message.meta;
  member.state = 'alive';
  broadcast(state, member.name, message);
  if (wasGone) emitMemberEvent(state, 'join', member);
  else if (changed) emitMemberEvent(state, 'update', member);
}

function aliveAboutSelf(state: SwimState, message: AliveMessage): void {
  const self = state.self;
  if (message.incarnation < self.incarnation) return;
  // Our own alive coming back to us is just gossip doing its job.
  if (message.incarnation === self.incarnation && message.address === self.address && metaEqual(message.meta, self.meta)) return;
  // Someone claims to be us with other data (a previous process with our name): out-vote it.
  refute(state, message.incarnation);
}

export function suspectNode(state: SwimState, message: SuspectMessage): void {
  const member = state.members.get(message.node);
  if (member === undefined || message.incarnation < member.incarnation) return;
  const running = state.suspicions.get(member.name);
  if (running !== undefined) {
    // Lifeguard: an independent suspicion shortens the timeout; re-gossip only new confirmations.
    if (confirmSuspicion(running, message.from)) {
      state.suspicionsEarliestDeadlineMs = Math.min(state.suspicionsEarliestDeadlineMs, running.deadlineMs);
      broadcast(state, member.name, message);
    }
    return;
  }
  if (member.state !== 'alive') return;
  if (member.name === state.self.name) {
    if (!state.leaving) refute(state, message.incarnation);
    return;
  }
  member.incarnation = message.incarnation;
  member.state = 'suspect';
  member.stateChangeMs = state.nowMs;
  const n = state.members.size;
  const minMs = suspicionMinTimeoutMs(state.config.suspicionMult, n, state.config.probeIntervalMs);
  const maxMs = minMs * state.config.suspicionMaxTimeoutMult;
  const suspicion = startSuspicion(message.from, state.nowMs, minMs, maxMs, expectedConfirmations(state.config.suspicionMult, n));
  state.suspicions.set(member.name, suspicion);
  state.suspicionsEarliestDeadlineMs = Math.min(state.suspicionsEarliestDeadlineMs, suspicion.deadlineMs);
  broadcast(state, member.name, message);
}

export function deadNode(state: SwimState, message: DeadMessage): void {
  const member = state.members.get(message.node);
  if (member === undefined || message.incarnation < member.incarnation) return;
  if (member.state === 'dead' || member.state === 'left') return;
  if (member.name === state.self.name && !state.leaving) {
    refute(state, message.incarnation);
    return;
  }
  state.suspicions.delete(member.name);
  member.incarnation = message.incarnation;
  member.state = message.from === message.node ? 'left' : 'dead';
  member.stateChangeMs = state.nowMs;
  broadcast(state, member.name, message);
  if (member.state === 'dead') rememberFailed(state, member);
  emitMemberEvent(state, member.state === 'left' ? 'leave' : 'fail', member);
}

/** Fires suspicions whose deadline passed: the suspect is declared dead by us. */
export function expireSuspicions(state: SwimState): void {
  if (state.nowMs < state.suspicionsEarliestDeadlineMs) return;
  let earliest = Number.POSITIVE_INFINITY;
  for (const [name, suspicion] of state.suspicions) {
    if (suspicion.deadlineMs > state.nowMs) {
      earliest = Math.min(earliest, suspicion.deadlineMs);
      continue;
    }
    const member = state.members.get(name);
    state.suspicions.delete(name);
    if (member === undefined || member.state !== 'suspect') continue;
    deadNode(state, { type: 'dead', incarnation: member.incarnation, node: name, from: state.self.name });
  }
  state.suspicionsEarliestDeadlineMs = earliest;
}

export function refute(state: SwimState, accusedIncarnation: number): void {
  const self = state.self;
  self.incarnation = Math.max(self.incarnation, accusedIncarnation) + 1;
  state.counters.refutations += 1;
  state.awarenessScore = applyAwarenessDelta(state.awarenessScore, 1, state.config.awarenessMaxMultiplier);
  broadcast(state, self.name, { type: 'alive', incarnation: self.incarnation, node: self.name, address: self.address, meta: self.meta });
}

/**
 * memberlist's mergeState: a remote alive is taken as alive, a remote left as a leave, but a
 * remote dead only as a suspicion — one member's verdict must not kill a member we can still reach.
 */
export function mergeRemoteMembers(state: SwimState, remote: RemoteState, onNewMember: OnNewMember): void {
  const self = state.self.name;
  for (const m of remote.members) {
    switch (m.state) {
      case 'alive':
        aliveNode(state, { type: 'alive', incarnation: m.incarnation, node: m.name, address: m.address, meta: m.meta }, onNewMember);
        break;
      case 'left':
        deadNode(state, { type: 'dead', incarnation: m.incarnation, node: m.name, from: m.name });
        break;
      case 'dead':
      case 'suspect':
        suspectNode(state, { type: 'suspect', incarnation: m.incarnation, node: m.name, from: self });
        break;
      default:
        unreachable(m.state);
    }
  }
}
