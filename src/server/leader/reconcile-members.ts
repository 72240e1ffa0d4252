// The leader's serfHealth duty (Consul's leader.go reconcileMember): the catalog follows the LAN
// pool. Each member of this datacenter gets a `serfHealth` check on its node:
//
//   alive   node registered (address from gossip) with serfHealth passing; servers also get the
//           `consul` service (reconcile-self.ts)
//   failed  serfHealth critical, "Agent not live or unreachable": its services drop out of
//           ?passing health queries and DNS, but stay registered (it may come back)
//   left    node deregistered (a graceful leave)
//   reaped  node deregistered (failed past the reconnect timeout, or force-leave -prune)
//
// Members come through MemberSource, so this duty does not know about sockets or pools. Each change
// is reconciled when heard; a full pass runs at start and every limits.reconcileMembersIntervalMs,
// which also deregisters catalog nodes with a serfHealth check that no member matches any more.
// Writes are proposed one at a time (a chain), and a write that would change nothing is skipped.

import { CommandType } from '../../catalog/commands.js';
import type { Timer } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { ServerContext } from '../context.js';
import { reconcileSelf, serfCheck, serfHealth } from './reconcile-self.js';

/** One LAN member as the duty needs it. */
export interface LanMember {
  readonly name: string;
  /** The member's IP (no port). */
  readonly address: string;
  readonly status: 'alive' | 'leaving' | 'left' | 'failed';
  /** Consul's Serf tags: role ("consul" or "node"), dc, id, port... */
  readonly tags: Readonly<Record<string, string>>;
}

/** Where the leader learns about members (the agent's LAN pool). */
export interface MemberSource {
  /** Every member known, this server included. The array is the caller's. */
  members(): LanMember[];
  /** Calls `listener` after each status change or reap, on the event loop; returns an unsubscribe. */
  subscribe(listener: (member: LanMember, reaped: boolean) => void): () => void;
}


export class MemberReconciler {
  private unsubscribe: (() => void) | undefined;
  private timer: Timer | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: ServerContext,
    private readonly source: MemberSource,
    /** This server's node name: never deregistered by this duty. */
    private readonly selfName: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts following (idempotent): subscribes, then a full pass. Only while leading. */
  start(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.source.subscribe((member, reaped) => this.enqueue(() => this.reconcileMember(member, reaped)));
    this.enqueue(() => this.reconcileAll());
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Resolves when every reconciliation asked for so far is done (tests). */
  settled(): Promise<void> {
    return this.chain;
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch(this.onError);
  }

  private async reconcileAll(): Promise<void> {
    const members = this.source.members().filter((m) => m.tags.dc === this.context.datacenter);
    for (const member of members) await this.reconcileMember(member, false);
    const known = new Set(members.map((m) => m.name.toLowerCase()));
    for (const check of this.context.store.checks.rows()) {
      if (check.CheckID !== serfCheck.id || known.has(check.Node.toLowerCase()) || check.Node.toLowerCase() === this.selfName.toLowerCase()) continue;
      await this.deregister(check.Node);
    }
    this.timer?.cancel();
    if (this.unsubscribe !== undefined) this.timer = this.context.clock.setTimer(limits.reconcileMembersIntervalMs, () => this.enqueue(() => this.reconcileAll()));
  }

  private async reconcileMember(member: LanMember, reaped: boolean): Promise<void> {
    if (member.tags.dc !== this.context.datacenter || this.unsubscribe === undefined) return;
    if (reaped || member.status === 'left') {
      if (member.name.toLowerCase() !== this.selfName.toLowerCase()) await this.deregister(member.name);
      return;
    }
    if (member.status === 'alive') await this.register(member, 'passing');
    else if (member.status === 'failed') await this.register(member, 'critical');
  }

  private async register(member: LanMember, status: 'passing' | 'critical'): Promise<void> {
    const existing = this.context.store.nodes.get(member.name.toLowerCase());
    const check = this.context.store.checks.get(`${member.name.toLowerCase()}/${serfCheck.id.toLowerCase()}`);
    if (existing !== undefined && check?.Status === status && (status === 'critical' || existing.Address === member.address)) return;
    if (status === 'passing' && member.tags.role === 'consul') {
      await reconcileSelf(this.context, { nodeName: member.name, nodeId: member.tags.id ?? '', address: member.address, serverPort: Number(member.tags.port ?? 8300) });
      return;
    }
    await this.context.log.propose({
      type: CommandType.Register,
      node: {
        ID: existing?.ID ?? member.tags.id ?? '',
        Node: member.name,
        Address: status === 'critical' && existing !== undefined ? existing.Address : member.address,
        Datacenter: this.context.datacenter,
        TaggedAddresses: existing?.TaggedAddresses ?? {},
        Meta: existing?.Meta ?? {},
      },
      skipNodeUpdate: false,
      service: null,
      checks: [serfHealth(member.name, status)],
    });
  }

  private async deregister(node: string): Promise<void> {
    if (this.context.store.nodes.get(node.toLowerCase()) === undefined) return;
    await this.context.log.propose({ type: CommandType.Deregister, node, serviceId: '', checkId: '' });
  }
}
