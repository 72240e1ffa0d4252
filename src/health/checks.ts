// HealthChecks: runs the checks of this agent's local state and writes their status back into it.
//
//   LocalState change ──► reconcile(id): start, restart (definition changed) or stop the check's monitor
//   interval monitor:  scheduler.ts due ─► runner.run(signal, timeout) ─► status.ts step ─► LocalState.updateCheck
//   ttl monitor:       TTL timer, reset by /v1/agent/check/pass|warn|fail|update ─► expiry ─► critical
//   alias monitor:     local state changes, or a blocking query on a remote node ─► mirrored status
//   every update ─► CatalogSync.syncChanges() (status changes at once; output-only ones coalesced there)
//
// stop() aborts every run in flight and waits for it, so no socket, process or timer outlives it.

import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { LocalChange, LocalState } from '../agent/local-state.js';
import { unreachable } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { limits } from '../lib/limits.js';
import type { Random } from '../lib/random.js';
import type { RpcClient } from '../rpc/protocol.js';
import type { CheckDefinition, CheckStatus } from '../structs/check.js';
import { CriticalReaper, type ReapCandidate } from './critical-reaper.js';
import { truncateOutput } from './output.js';
import { type CheckPlan, planOf, runnerOf } from './runner-factory.js';
import { type AliasTarget, aliasResult, RemoteAliasWatch } from './runners/alias.js';
import type { CheckRunner } from './runners/runner.js';
import { TtlTimer, ttlExpiredOutput } from './runners/ttl.js';
import { CheckScheduler, type RunToken } from './scheduler.js';
import { Semaphore } from './semaphore.js';
import { type CheckResult, initialCounters, type StatusCounters, type StatusThresholds, stepStatus, thresholdsOf } from './status.js';

export interface HealthChecksDeps {
  readonly local: LocalState;
  readonly sync: { syncChanges(): Promise<void> };
  readonly rpc: RpcClient;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly nodeName: () => string;
  readonly datacenter: () => string;
  readonly agentToken: () => string;
  /** Removes a service whose check stayed critical past DeregisterCriticalServiceAfter. */
  readonly deregisterService: (serviceId: string) => Promise<void>;
}

interface IntervalMonitor {
  readonly type: 'interval';
  readonly definition: CheckDefinition;
  readonly runner: CheckRunner;
  readonly timeoutMs: number;
  readonly thresholds: StatusThresholds;
  counters: StatusCounters;
  abort: AbortController | undefined;
  inFlight: Promise<void> | undefined;
}

type Monitor =
  | IntervalMonitor
  | { readonly type: 'ttl'; readonly definition: CheckDefinition; readonly timer: TtlTimer }
  | { readonly type: 'alias'; readonly definition: CheckDefinition; readonly target: AliasTarget; readonly remote: RemoteAliasWatch | undefined }
  | { readonly type: 'none'; readonly definition: CheckDefinition };

export class HealthChecks {
  private readonly monitors = new Map<string, Monitor>();
  private readonly scheduler: CheckScheduler;
  private readonly reaper: CriticalReaper;
  private readonly scriptSlots = new Semaphore(limits.scriptChecksConcurrentMax);
  private unsubscribe: (() => void) | undefined;
  private localAliasesDirty = false;
  /** Alias monitors whose target is on this agent: only then do local changes re-evaluate aliases. */
  private localAliases = 0;
  private running = false;
  /** Monitors being stopped after a definition change or removal; stop() waits for them too. */
  private readonly stopping = new Set<Promise<void>>();
  /** Interval runs finished since start (for stats, and for tests to wait on a run). */
  completedRuns = 0;

  constructor(private readonly deps: HealthChecksDeps) {
    this.scheduler = new CheckScheduler(deps.clock, deps.random, (id, token) => this.runDue(id, token));
    this.reaper = new CriticalReaper(deps.clock, () => this.reapCandidates(), (serviceId, checkId) => this.reapService(serviceId, checkId));
  }

  /** Starts monitoring every check in local state, and every check added from now on. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.deps.local.onChange((change) => this.onLocalChange(change));
    for (const check of this.deps.local.checks()) this.reconcile(check.check.CheckID);
    this.reaper.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.reaper.stop();
    this.scheduler.stop();
    await Promise.all([...this.monitors.keys()].map((id) => this.stopMonitor(id)));
    await Promise.all(this.stopping);
  }

  /** A TTL check was reported on (/v1/agent/check/pass|warn|fail|update): its TTL starts again. */
  ttlReported(checkId: string): void {
    const monitor = this.monitors.get(checkId);
    if (monitor?.type === 'ttl') monitor.timer.reset();
  }

  /** Checks being monitored, by kind (for stats and tests). */
  counts(): Record<Monitor['type'], number> {
    const counts = { interval: 0, ttl: 0, alias: 0, none: 0 };
    for (const monitor of this.monitors.values()) counts[monitor.type]++;
    return counts;
  }

  private onLocalChange(change: LocalChange): void {
    if (change.kind === 'check') {
      this.reaper.noteStatus(change.id, this.deps.local.check(change.id)?.check.Status === 'critical');
      if (change.outputOnly !== true) this.reconcile(change.id);
    }
    if (this.localAliases > 0 && !this.localAliasesDirty) {
      // Many changes arrive together (a service with its checks); evaluate the aliases once after them.
      this.localAliasesDirty = true;
      queueMicrotask(() => this.evaluateLocalAliases());
    }
  }

  /** Brings the monitor of one check in line with local state. */
  private reconcile(id: string): void {
    const local = this.deps.local.check(id);
    const existing = this.monitors.get(id);
    const definition = local?.definition;
    if (existing !== undefined && definition !== undefined && (existing.definition === definition || isDeepStrictEqual(existing.definition, definition))) return;
    if (existing !== undefined) {
      const stopped = this.stopMonitor(id);
      this.stopping.add(stopped);
      void stopped.finally(() => this.stopping.delete(stopped));
    }
    if (definition === undefined || !this.running) return;
    this.startMonitor(id, definition, planOf(definition));
  }

  private startMonitor(id: string, definition: CheckDefinition, plan: CheckPlan): void {
    switch (plan.type) {
      case 'interval': {
        if (definition.Interval < plan.intervalMs) this.deps.logger.warn({ checkId: id, intervalMs: plan.intervalMs }, 'check interval too short; raised to the minimum');
        const runner = runnerOf(plan.checkType, definition, plan.timeoutMs, this.scriptSlots);
        const monitor: IntervalMonitor = { type: 'interval', definition, runner, timeoutMs: plan.timeoutMs, thresholds: thresholdsOf(definition), counters: initialCounters, abort: undefined, inFlight: undefined };
        this.monitors.set(id, monitor);
        this.scheduler.add(id, plan.intervalMs);
        return;
      }
      case 'ttl':
        this.monitors.set(id, { type: 'ttl', definition, timer: new TtlTimer(this.deps.clock, plan.ttlMs, () => this.ttlExpired(id)) });
        return;
      case 'alias': {
        const target = plan.target;
        const isLocal = target.node === '' || target.node === this.deps.nodeName();
        const remote = isLocal
          ? undefined
          : new RemoteAliasWatch(target, { rpc: this.deps.rpc, clock: this.deps.clock, datacenter: this.deps.datacenter(), token: this.deps.local.check(id)?.token || this.deps.agentToken() }, (result) =>
              this.write(id, result),
            );
        this.monitors.set(id, { type: 'alias', definition, target, remote });
        if (isLocal) {
          this.localAliases++;
          this.evaluateLocalAliases();
        }
        return;
      }
      case 'none':
        this.deps.logger.warn({ checkId: id }, `check not run: ${plan.reason}`);
        this.monitors.set(id, { type: 'none', definition });
        return;
      default:
        unreachable(plan);
    }
  }

  private async stopMonitor(id: string): Promise<void> {
    const monitor = this.monitors.get(id);
    if (monitor === undefined) return;
    this.monitors.delete(id);
    switch (monitor.type) {
      case 'interval':
        this.scheduler.remove(id);
        monitor.abort?.abort();
        await monitor.inFlight;
        await monitor.runner.close();
        return;
      case 'ttl':
        monitor.timer.stop();
        return;
      case 'alias':
        if (monitor.remote === undefined) this.localAliases--;
        else monitor.remote.stop();
        return;
      case 'none':
        return;
      default:
        unreachable(monitor);
    }
  }

  private runDue(id: string, token: RunToken): void {
    const monitor = this.monitors.get(id);
    if (monitor?.type !== 'interval') return;
    const abort = new AbortController();
    const timeout = this.deps.clock.setTimer(monitor.timeoutMs, () => abort.abort());
    monitor.abort = abort;
    monitor.inFlight = monitor.runner.run(abort.signal).then((result) => {
      timeout.cancel();
      monitor.abort = undefined;
      monitor.inFlight = undefined;
      this.completedRuns++;
      // Removed or replaced while running: the result belongs to a check that is gone.
      if (this.monitors.get(id) !== monitor) return;
      this.record(id, monitor, result);
      this.scheduler.finished(id, token);
    });
  }

  /** A run's result goes through the thresholds; only a result that passes them is written. */
  private record(id: string, monitor: IntervalMonitor, result: CheckResult): void {
    const step = stepStatus(monitor.counters, result, monitor.thresholds);
    monitor.counters = step.counters;
    if (step.type === 'hold') {
      this.deps.logger.debug({ checkId: id, reason: step.reason, counters: step.counters }, 'check result held back by its threshold');
      return;
    }
    this.write(id, { status: step.status, output: step.output });
  }

  private write(id: string, result: CheckResult): void {
    const local = this.deps.local.check(id);
    if (local === undefined) return;
    const outputBytesMax = local.definition?.OutputMaxSize || limits.checkOutputBytesMax;
    const output = truncateOutput(result.output, outputBytesMax);
    if (local.check.Status === result.status && local.check.Output === output) return;
    this.deps.local.updateCheck(id, result.status, output);
    void this.deps.sync.syncChanges();
  }

  private ttlExpired(id: string): void {
    const local = this.deps.local.check(id);
    if (local === undefined) return;
    this.deps.logger.warn({ checkId: id }, 'check TTL expired');
    this.write(id, { status: 'critical', output: ttlExpiredOutput(local.check.Output) });
  }

  private evaluateLocalAliases(): void {
    this.localAliasesDirty = false;
    const checks = this.deps.local.checks();
    for (const [id, monitor] of this.monitors) {
      if (monitor.type !== 'alias' || monitor.remote !== undefined) continue;
      const mirrored = checks.filter((check) => check.check.CheckID !== id).map((check) => check.check);
      const serviceExists = monitor.target.serviceId === '' || this.deps.local.service(monitor.target.serviceId) !== undefined;
      this.write(id, aliasResult({ node: this.deps.nodeName(), serviceId: monitor.target.serviceId }, mirrored, serviceExists));
    }
  }

  private *reapCandidates(): Iterable<ReapCandidate> {
    for (const [checkId, monitor] of this.monitors) {
      const local = this.deps.local.check(checkId);
      if (local === undefined) continue;
      const status: CheckStatus = local.check.Status;
      yield { checkId, serviceId: local.check.ServiceID, critical: status === 'critical', deregisterCriticalAfterMs: monitor.definition.DeregisterCriticalServiceAfter };
    }
  }

  private reapService(serviceId: string, checkId: string): void {
    this.deps.logger.info({ serviceId, checkId }, 'deregistering a service whose check stayed critical past DeregisterCriticalServiceAfter');
    this.deps.deregisterService(serviceId).catch((error: unknown) => this.deps.logger.error({ err: error, serviceId }, 'deregistering a critical service failed'));
  }
}
