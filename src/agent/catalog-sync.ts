// CatalogSync: pushes this agent's local state into the catalog. Every local change marks what it
// touched; syncChanges() registers or deregisters exactly those entries, node first, a service
// together with its checks. A failed push is kept and retried with backoff, so the catalog
// converges once the servers answer again; a refusal retrying cannot fix (a bad request, a denied
// token) is logged and not retried until the entry changes. Output-only check updates are
// coalesced (../health/output-coalescing.ts); the periodic full sync that repairs changes made
// behind the agent's back (../health/anti-entropy.ts) marks what it finds out of step here.

import type { Logger } from 'pino';
import { OutputCoalescing } from '../health/output-coalescing.js';
import type { Clock, Timer } from '../lib/clock.js';
import { type ErrorCode, isTaxiwayError } from '../lib/errors.js';
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
  /** check_update_interval in ms (0 or absent: every output change is written at once). */
  readonly checkUpdateIntervalMs?: () => number;
}

/** What is waiting to be pushed; checks remember their service so a removed service's checks go with it. */
type Pending = { node: boolean; services: Set<string>; checks: Map<string, string> };

const emptyPending = (): Pending => ({ node: false, services: new Set(), checks: new Map() });

const retryDelayMsMin = 1_000;
const retryDelayMsMax = 30_000;

/**
 * Refusals that retrying cannot fix: the entry stays local but out of the catalog until it changes
 * (Consul likewise stops pushing an entry its token may not write).
 */
const permanentCodes: ReadonlySet<ErrorCode> = new Set(['bad_request', 'permission_denied', 'acl_not_found']);

export class CatalogSync {
  private pending: Pending = { ...emptyPending(), node: true };
  /** Pushes run one after another; each syncChanges() call waits for one that starts after it. */
  private tail: Promise<void> = Promise.resolve();
  private retryTimer: Timer | undefined;
  private failuresInARow = 0;
  private stopped = false;
  private readonly coalescing: OutputCoalescing;

  constructor(private readonly deps: CatalogSyncDeps) {
    this.coalescing = new OutputCoalescing(deps.clock, deps.random, deps.checkUpdateIntervalMs ?? (() => 0));
    deps.local.onChange((change) => {
      if (change.kind === 'node') this.markNode();
      else if (change.kind === 'service') this.markService(change.id);
      else if (change.outputOnly === true && !this.pending.checks.has(change.id)) {
        const deferred = this.coalescing.defer(change.id, () => {
          this.markCheck(change.id, change.serviceId);
          void this.syncChanges();
        });
        if (!deferred) this.markCheck(change.id, change.serviceId);
      } else {
        this.coalescing.cancel(change.id);
        this.markCheck(change.id, change.serviceId);
      }
    });
  }

  /** Marks this node's own entry for the next push. */
  markNode(): void {
    this.pending.node = true;
  }

  /** Marks a service (with its checks) for the next push: registered if local, deregistered if not. */
  markService(id: string): void {
    this.pending.services.add(id);
  }

  /** Marks a check for the next push; serviceId is the service it belongs to ("" for the node). */
  markCheck(id: string, serviceId: string): void {
    this.pending.checks.set(id, serviceId);
  }

  /** Output writes waiting for check_update_interval (for tests and stats). */
  deferredCheckWrites(): number {
    return this.coalescing.pending();
  }

  /**
   * Pushes every change made before the call; resolves once each is in the catalog, refused for
   * good (logged), or failed and scheduled for a retry with backoff.
   */
  syncChanges(): Promise<void> {
    this.tail = this.tail.then(() => this.pushPending());
    return this.tail;
  }

  stop(): void {
    this.stopped = true;
    this.retryTimer?.cancel();
    this.coalescing.stop();
  }

  private async pushPending(): Promise<void> {
    if (this.stopped || !this.hasPending()) return;
    const batch = this.pending;
    this.pending = emptyPending();
    const failed = await this.push(batch);
    if (failed === undefined) {
      this.failuresInARow = 0;
      return;
    }
    this.requeue(failed);
    this.scheduleRetry();
  }

  /** Pushes one batch; returns what failed and should be retried, or undefined when nothing did. */
  private async push(batch: Pending): Promise<Pending | undefined> {
    const failed = emptyPending();
    if (batch.node && !(await this.attempt(() => this.register({ node: this.deps.node(), skipNodeUpdate: false, service: null, checks: [] })))) {
      // Without the node nothing else can be registered; keep everything for the retry.
      return batch;
    }
    for (const id of batch.services) {
      if (!(await this.attempt(() => this.pushService(id)))) failed.services.add(id);
    }
    for (const [id, serviceId] of batch.checks) {
      // A service registration carries its checks; a service deregistration removes them.
      if (serviceId !== '' && batch.services.has(serviceId)) continue;
      if (!(await this.attempt(() => this.pushCheck(id)))) failed.checks.set(id, serviceId);
    }
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

  /** True when the push went through or was refused for good; false when it should be retried. */
  private async attempt(push: () => Promise<unknown>): Promise<boolean> {
    try {
      await push();
      return true;
    } catch (error) {
      if (isTaxiwayError(error) && permanentCodes.has(error.code)) {
        this.deps.logger.error({ err: error }, 'the catalog refused a local registration; it stays local until it changes');
        return true;
      }
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
    for (const [id, serviceId] of failed.checks) if (!this.pending.checks.has(id)) this.pending.checks.set(id, serviceId);
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
