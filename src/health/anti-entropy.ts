// Anti-entropy: the periodic full sync of this agent's node (Consul's ae.StateSyncer + SyncFull).
// Changes are pushed as they happen by CatalogSync; this loop also catches what happened behind
// the agent's back — an instance deregistered through /v1/catalog/deregister reappears, one
// registered in the catalog for this node but unknown locally is removed — and anything a lost
// push left behind.
//
//   every antiEntropyIntervalMs + stagger(interval × scaleFactor(cluster size)):
//     read the node's services and checks from the catalog → anti-entropy-diff.ts → mark in
//     CatalogSync → syncChanges()
//
// The period grows with the cluster as Consul's does, so that 10,000 agents do not each read their
// node once a minute: up to 128 nodes ×1, then +1 for every doubling.

import type { Logger } from 'pino';
import type { CatalogSync } from '../agent/catalog-sync.js';
import type { LocalState } from '../agent/local-state.js';
import type { Clock, Timer } from '../lib/clock.js';
import { limits } from '../lib/limits.js';
import type { Random } from '../lib/random.js';
import type { QueryOptions, RpcClient } from '../rpc/protocol.js';
import type { NodeContent } from '../structs/registration.js';
import { type CatalogNodeView, type Drift, diffNode, hasDrift } from './anti-entropy-diff.js';

/** Consul's ae.scaleFactor: 1 up to the threshold, then one more per doubling of the cluster. */
export function scaleFactor(nodes: number): number {
  const threshold = limits.antiEntropyScaleThresholdNodes;
  if (nodes <= threshold) return 1;
  return Math.ceil(Math.log2(nodes) - Math.log2(threshold)) + 1;
}

/** The wait before the next full sync: the interval plus a random stagger over the scaled interval. */
export function fullSyncDelayMs(clusterNodes: number, random: number): number {
  return limits.antiEntropyIntervalMs + random * limits.antiEntropyIntervalMs * scaleFactor(clusterNodes);
}

export interface AntiEntropyDeps {
  readonly rpc: RpcClient;
  readonly local: LocalState;
  readonly sync: CatalogSync;
  readonly node: () => NodeContent;
  readonly agentToken: () => string;
  /** check_update_interval in ms: when on, output-only differences are left to the coalesced writes. */
  readonly checkUpdateIntervalMs?: () => number;
  /** Nodes in the cluster, as best known (it only scales the period). */
  readonly clusterSize: () => number;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

export class AntiEntropy {
  private timer: Timer | undefined;
  private stopped = true;

  constructor(private readonly deps: AntiEntropyDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One full sync now; resolves with what was found out of step (after pushing it). */
  async syncFull(): Promise<Drift> {
    const catalog = await this.readCatalog();
    const { local } = this.deps;
    const drift = diffNode(
      { node: this.deps.node(), services: local.services().map((entry) => entry.service), checks: local.checks().map((entry) => entry.check) },
      catalog,
      { compareOutput: (this.deps.checkUpdateIntervalMs?.() ?? 0) <= 0 },
    );
    if (!hasDrift(drift)) return drift;
    this.deps.logger.info({ node: drift.node, services: drift.services, checks: drift.checks.map((check) => check.id) }, 'anti-entropy: catalog out of step with local state; repairing');
    if (drift.node) this.deps.sync.markNode();
    for (const id of drift.services) this.deps.sync.markService(id);
    for (const check of drift.checks) this.deps.sync.markCheck(check.id, check.serviceId);
    await this.deps.sync.syncChanges();
    return drift;
  }

  private async readCatalog(): Promise<CatalogNodeView> {
    const node = this.deps.node();
    const options: QueryOptions = { datacenter: node.Datacenter, token: this.deps.agentToken(), minQueryIndex: 0, maxQueryTimeMs: 0, allowStale: true, requireConsistent: false, maxStaleMs: 0, filter: '' };
    const [services, checks] = await Promise.all([
      this.deps.rpc.call('Catalog.NodeServiceList', { ...options, node: node.Node }),
      this.deps.rpc.call('Health.NodeChecks', { ...options, node: node.Node }),
    ]);
    return { node: services.value?.Node, services: services.value?.Services ?? [], checks: checks.value };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimer(fullSyncDelayMs(this.deps.clusterSize(), this.deps.random.float()), () => {
      this.syncFull()
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'anti-entropy full sync failed; will retry at the next period'))
        .finally(() => this.schedule());
    });
  }
}
