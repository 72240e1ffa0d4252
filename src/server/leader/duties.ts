// LeaderDuties: what only the leader does, started when this server wins leadership and stopped
// when it loses it, as Consul's establishLeadership / revokeLeadership:
//
//   gain: barrier (the new leader's state holds every committed write, so its timers start from
//         the truth) → register itself and the servers it knows in the catalog → create the CA if
//         there is none → session TTL timers (each session gets a full TTL × 2) → tombstone GC →
//         serfHealth per LAN member (reconcile-members.ts, once the agent's pool is handed over)
//   lose: timers stop at once; a write already proposed completes or fails on its own.
//
// Lock-delays are per server and not replicated (Consul's too): they live here beside the duties
// but are consulted on every server.

import type { HelloFacts, ServerInfo } from '../../rpc/protocol.js';
import type { ServerContext } from '../context.js';
import { LockDelays } from '../lock-delay.js';
import { ConnectCa, type ConnectCaOptions } from './connect-ca.js';
import { reconcileSelf, type SelfMember } from './reconcile-self.js';
import { MemberReconciler, type MemberSource } from './reconcile-members.js';
import { SessionTimers } from './session-ttl.js';
import { TombstoneGc } from './tombstone-gc.js';

export interface LeaderDutiesOptions {
  /** This server as the catalog shows it. */
  readonly self: () => SelfMember;
  /** Other servers known to this one (registered in the catalog by the leader). */
  readonly servers: () => ServerInfo[];
  readonly connect: ConnectCaOptions;
  readonly onBackgroundError: (error: unknown, what: string) => void;
}

export class LeaderDuties {
  readonly lockDelays: LockDelays;
  readonly sessionTimers: SessionTimers;
  readonly tombstoneGc: TombstoneGc;
  readonly connectCa: ConnectCa;
  /** Counts leadership changes, so that a slow start of an earlier term does not start timers late. */
  private term = 0;
  private leading = false;
  /** The serfHealth duty, once the agent hands its LAN members over (followMembers). */
  private members: MemberReconciler | undefined;

  constructor(
    private readonly context: ServerContext,
    private readonly options: LeaderDutiesOptions,
  ) {
    this.lockDelays = new LockDelays(context.clock);
    this.sessionTimers = new SessionTimers(context, (error, id) => options.onBackgroundError(error, `expiring session ${id}`));
    this.tombstoneGc = new TombstoneGc(context, (error) => options.onBackgroundError(error, 'reaping KV tombstones'));
    this.connectCa = new ConnectCa(context, options.connect);
  }

  /** Leadership gained or lost. Resolves once a gain's duties run (or were abandoned); never rejects. */
  async leadershipChanged(isLeader: boolean): Promise<void> {
    if (isLeader === this.leading) return;
    this.leading = isLeader;
    const term = ++this.term;
    this.stopTimers();
    if (!isLeader) return;
    try {
      await this.context.cluster.barrier();
      if (term !== this.term) return;
      await reconcileSelf(this.context, this.options.self());
      for (const server of this.options.servers()) await this.reconcileServer(server);
      await this.connectCa.initialize();
      if (term !== this.term) return;
      this.sessionTimers.start();
      this.tombstoneGc.start();
      this.members?.start();
    } catch (error) {
      // Leadership lost halfway (the next leader starts over), or a write failed: say so.
      if (term === this.term) this.options.onBackgroundError(error, 'establishing leadership');
    }
  }

  /** The agent's LAN members: while leading, the catalog follows them (serfHealth per member). */
  followMembers(source: MemberSource, selfName: string): void {
    this.members?.stop();
    this.members = new MemberReconciler(this.context, source, selfName, (error) => this.options.onBackgroundError(error, 'reconciling LAN members'));
    if (this.leading) this.members.start();
  }

  /** A server said hello: the leader registers it (and autopilot will add it to Raft). */
  serverHeard(facts: HelloFacts): void {
    if (!this.leading) return;
    this.reconcileServer(facts.self).catch((error: unknown) => this.options.onBackgroundError(error, `registering server ${facts.self.name}`));
  }

  /** After an operator restore replaced the state: a leader starts its duties over from the new state. */
  async restart(): Promise<void> {
    if (!this.leading) return;
    await this.leadershipChanged(false);
    await this.leadershipChanged(true);
  }

  stop(): void {
    this.term++;
    this.leading = false;
    this.stopTimers();
  }

  private async reconcileServer(server: ServerInfo): Promise<void> {
    const self = this.options.self();
    if (server.id === self.nodeId) return;
    const colon = server.address.lastIndexOf(':');
    const member: SelfMember = { nodeName: server.name, nodeId: server.id, address: server.address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), serverPort: Number(server.address.slice(colon + 1)) };
    const existing = this.context.store.nodes.get(server.name.toLowerCase());
    const registered = this.context.store.services.get(`${server.name.toLowerCase()}/consul`);
    if (existing?.Address === member.address && registered?.service.Port === member.serverPort) return;
    await reconcileSelf(this.context, member);
  }

  private stopTimers(): void {
    this.sessionTimers.stop();
    this.tombstoneGc.stop();
    this.members?.stop();
  }
}
