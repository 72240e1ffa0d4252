// Roster: the member list as Serf shows it, built from the core's member events.
//
// The SWIM core forgets dead and left members gossipToTheDeadMs after they go (it must stop
// probing and gossiping to them). Serf, and so Consul, shows them longer: a failed member stays
// "failed" until reconnectTimeoutMs (it may come back, and the catalog keeps its node with a
// critical serfHealth), a member that left stays "left" for limits.gossipLeftKeptMs. Only then is
// it reaped, which is when the catalog deregisters it. force-leave turns a failed member into left
// at once; with prune it is reaped at once.

import { limits } from '../../lib/limits.js';
import type { MemberEvent, MemberView } from '../effects.js';
import type { MemberMeta } from '../messages.js';

/** Serf's MemberStatus as Consul's API numbers it. */
export type MemberStatus = 'alive' | 'leaving' | 'left' | 'failed';
export const memberStatusCodes: Readonly<Record<MemberStatus, number>> = { alive: 1, leaving: 2, left: 3, failed: 4 };

export interface PoolMember {
  readonly name: string;
  /** "ip:port" of its gossip listener. */
  readonly address: string;
  readonly meta: MemberMeta;
  readonly incarnation: number;
  readonly status: MemberStatus;
}

/** What the agent hears: a member's status changed (join, update, leave, fail) or it was reaped. */
export interface RosterEvent {
  type: 'status' | 'reap';
  member: PoolMember;
}

interface Entry extends PoolMember {
  /** Monotonic ms of the last status change. */
  readonly sinceMs: number;
}

function statusOf(view: MemberView): MemberStatus {
  switch (view.state) {
    case 'alive':
    case 'suspect':
      return 'alive';
    case 'dead':
      return 'failed';
    case 'left':
      return 'left';
  }
}

export class Roster {
  private readonly entries = new Map<string, Entry>();

  constructor(
    self: PoolMember,
    private readonly reconnectTimeoutMs: number,
    private readonly emit: (event: RosterEvent) => void,
  ) {
    this.entries.set(self.name, { ...self, sinceMs: 0 });
  }

  /** Applies one core event; a core reap keeps the entry (its retention is ours). */
  apply(event: MemberEvent): void {
    if (event.type === 'reap') return;
    const previous = this.entries.get(event.member.name);
    const status = statusOf(event.member);
    const entry: Entry = { name: event.member.name, address: event.member.address, meta: event.member.meta, incarnation: event.member.incarnation, status, sinceMs: event.atMs };
    if (previous === undefined && this.entries.size >= limits.gossipMembersMax) return;
    this.entries.set(entry.name, entry);
    this.emit({ type: 'status', member: entry });
  }

  /** Sets one member's status locally (our own leaving, force-leave). */
  setStatus(name: string, status: MemberStatus, nowMs: number): boolean {
    const entry = this.entries.get(name);
    if (entry === undefined) return false;
    const next = { ...entry, status, sinceMs: nowMs };
    this.entries.set(name, next);
    this.emit({ type: 'status', member: next });
    return true;
  }

  /** Forgets one member now (force-leave -prune). */
  reap(name: string): boolean {
    const entry = this.entries.get(name);
    if (entry === undefined) return false;
    this.entries.delete(name);
    this.emit({ type: 'reap', member: entry });
    return true;
  }

  /** Reaps failed members past the reconnect timeout and left ones past the tombstone time. */
  prune(nowMs: number): void {
    for (const entry of [...this.entries.values()]) {
      const keptMs = entry.status === 'failed' ? this.reconnectTimeoutMs : entry.status === 'left' ? limits.gossipLeftKeptMs : Number.POSITIVE_INFINITY;
      if (nowMs - entry.sinceMs >= keptMs) this.reap(entry.name);
    }
  }

  get(name: string): PoolMember | undefined {
    return this.entries.get(name);
  }

  list(): PoolMember[] {
    return [...this.entries.values()].map(({ sinceMs: _sinceMs, ...member }) => member);
  }
}
