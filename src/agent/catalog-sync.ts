// CatalogSync: pushes this agent's local state into the catalog. Every local change marks what it
// touched; syncChanges() registers or deregisters exactly those entries, node first, a service
// together with its checks. A failed push is kept and retried with backoff, so the catalog
// converges once the servers answer again. (The periodic full sync that also repairs changes made
// behind the agent's back belongs to the anti-entropy of the health issue.)

import type { Logger } from 'pino';
import type { Clock, Timer } from '../lib/clock.js';
import type { Random } from '../lib/random.js';
import type { RpcClient } from '../rpc/protocol.js';
import type { NodeContent, Registration } from '../structs/registration.js';
import type { LocalState } from './local-state.js';

export interface CatalogSyncDeps {
  readonly rpc: RpcClient;
  readonly local: LocalState;
  /** This node as the catalog should show it. */
  readonly node: () => NodeContent;
  readonly agentToken: () => string;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

type Pending = { node: boolean; services: Set<string>; checks: Set<string> };

const retryDelayMsMin = 1_000;
const retryDelayMsMax = 30_000;

export class CatalogSync {
  private pending: Pending = { node: true, services: new Set(), checks: new Set() };
  private running: Promise<void> | undefined;
  private retryTimer: Timer | undefined;
  private failuresInARow = 0;
  private stopped = false;

  constructor(private readonly deps: CatalogSyncDeps) {
    deps.local.onChange((change) => {
      if (change.kind === 'node') this.pending.node = true;
      else if (change.kind === 'service') this.pending.services.add(change.id);
      else this.pending.checks.add(change.id);
    });
  }

  /** Pushes every pending change; resolves once they are in the catalog or have failed (and will be retried). */
  syncChanges(): Promise<void> {
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    this.retryTimer?.cancel();
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.hasPending()) {
      const batch = this.pending;
      this.pending = { node: false, services: new Set(), checks: new Set() };
      const failed = await this.push(batch);
      if (failed !== undefined) {
        this.requeue(failed);
        this.scheduleRetry();
        return;
      }
      this.failuresInARow = 0;
    }
  }

  /** Pushes one batch; returns what failed, or undefined when all of it went through. */
  private async push(batch: Pending): Promise<Pending | undefined> {
    const failed: Pending = { node: false, services: new Set(), checks: new Set() };
    if (batch.node && !(await this.attempt(() => this.register({ node: this.deps.node(), skipNodeUpdate: false, service: null, checks: [] })))) {
      // Without the node nothing else can be registered; keep everything for the retry.
      return batch;
    }
    for (const id of batch.services) {
      if (!(await this.attempt(() => this.pushService(id)))) failed.services.add(id);
      // A service registration carries its checks.
      for (const check of this.deps.local.checksOf(id)) batch.checks.delete(check.check.CheckID);
    }
    for (const id of batch.checks) if (!(await this.attempt(() => this.pushCheck(id)))) failed.checks.add(id);
    return failed.services.size + failed.checks.size > 0 ? failed : undefined;
  }

  private pushService(id: string): Promise<unknown> {
    const local = this.deps.local.service(id);
    const node = this.deps.node();
    if (local === undefined) return this.deregister(node.Node, id, '');
    const checks = this.deps.local.checksOf(id).map((check) => check.check);
    return this.register({ node, skipNodeUpdate: true, service: local.service, checks }, local.token);
  }

  private pushCheck(id: string): Promise<unknown> {
    const local = this.deps.local.check(id);
    const node = this.deps.node();
    if (local === undefined) return this.deregister(node.Node, '', id);
    const service = local.check.ServiceID === '' ? null : (this.deps.local.service(local.check.ServiceID)?.service ?? null);
    return this.register({ node, skipNodeUpdate: true, service, checks: [local.check] }, local.token);
  }

  private register(registration: Registration, token = this.deps.agentToken()): Promise<unknown> {
    return this.deps.rpc.call('Catalog.Register', { datacenter: registration.node.Datacenter, token, registration });
  }

  private deregister(node: string, serviceId: string, checkId: string): Promise<unknown> {
    return this.deps.rpc.call('Catalog.Deregister', { datacenter: this.deps.node().Datacenter, token: this.deps.agentToken(), node, serviceId, checkId });
  }

  private async attempt(push: () => Promise<unknown>): Promise<boolean> {
    try {
      await push();
      return true;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'syncing local state to the catalog failed; will retry');
      return false;
    }
  }

  private hasPending(): boolean {
    return this.pending.node || this.pending.services.size > 0 || this.pending.checks.size > 0;
  }

  private requeue(failed: Pending): void {
    this.pending.node ||= failed.node;
    for (const id of failed.services) this.pending.services.add(id);
    for (const id of failed.checks) this.pending.checks.add(id);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.failuresInARow++;
    const baseMs = Math.min(retryDelayMsMax, retryDelayMsMin * 2 ** (this.failuresInARow - 1));
    this.retryTimer?.cancel();
    // Jitter keeps a fleet of agents from retrying against recovering servers in lockstep.
    this.retryTimer = this.deps.clock.setTimer(baseMs / 2 + this.deps.random.float() * (baseMs / 2), () => void this.syncChanges());
  }
}
