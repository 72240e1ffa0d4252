// LocalState: the services and checks registered on this agent, by its HTTP API or its config
// files. It is the source of truth for this node's entries in the catalog: catalog-sync.ts pushes
// every change to the servers, and the anti-entropy of the health issue repairs drift.
//
// Every change is announced to listeners with what changed, so that the sync knows what to push
// and hash-based blocking queries (/v1/agent/service/:id) know when to look again.

import type { CheckDefinition, CheckStatus } from '../structs/check.js';
import type { HealthCheckContent, NodeServiceContent } from '../structs/registration.js';

/** Where a registration came from: API registrations survive a reload, config ones are replaced. */
export type RegistrationSource = 'api' | 'config';

export interface LocalService {
  readonly service: NodeServiceContent;
  readonly token: string;
  readonly source: RegistrationSource;
}

export interface LocalCheck {
  readonly check: HealthCheckContent;
  /** What to run, for the check runners; undefined for checks taxiway itself sets (maintenance). */
  readonly definition: CheckDefinition | undefined;
  readonly token: string;
  readonly source: RegistrationSource;
}

export type LocalChange =
  | { readonly kind: 'service'; readonly id: string }
  /**
   * serviceId: the service the check belongs to ("" for a node check). outputOnly: a status
   * update that changed only the output, which the sync may coalesce (check_update_interval).
   */
  | { readonly kind: 'check'; readonly id: string; readonly serviceId: string; readonly outputOnly?: boolean }
  | { readonly kind: 'node' };

export class LocalState {
  private readonly servicesById = new Map<string, LocalService>();
  private readonly checksById = new Map<string, LocalCheck>();
  private readonly listeners = new Set<(change: LocalChange) => void>();

  onChange(listener: (change: LocalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  service(id: string): LocalService | undefined {
    return this.servicesById.get(id);
  }

  services(): LocalService[] {
    return [...this.servicesById.values()];
  }

  check(id: string): LocalCheck | undefined {
    return this.checksById.get(id);
  }

  checks(): LocalCheck[] {
    return [...this.checksById.values()];
  }

  /** The checks of one service, or with serviceId "", the node-level checks. */
  checksOf(serviceId: string): LocalCheck[] {
    return this.checks().filter((check) => check.check.ServiceID === serviceId);
  }

  /**
   * Adds or replaces a service with its checks. With replaceExistingChecks, checks of the service
   * that are not in `checks` are removed (Consul's ?replace-existing-checks).
   */
  addService(service: LocalService, checks: readonly LocalCheck[], replaceExistingChecks: boolean): void {
    this.servicesById.set(service.service.ID, service);
    if (replaceExistingChecks) {
      const keep = new Set(checks.map((check) => check.check.CheckID));
      for (const existing of this.checksOf(service.service.ID)) {
        if (!keep.has(existing.check.CheckID)) this.removeCheck(existing.check.CheckID);
      }
    }
    this.emit({ kind: 'service', id: service.service.ID });
    for (const check of checks) this.addCheck(check);
  }

  /** Removes a service and its checks; false when it was not registered. */
  removeService(id: string): boolean {
    if (!this.servicesById.delete(id)) return false;
    for (const check of this.checksOf(id)) this.removeCheck(check.check.CheckID);
    this.emit({ kind: 'service', id });
    return true;
  }

  addCheck(check: LocalCheck): void {
    this.checksById.set(check.check.CheckID, check);
    this.emit({ kind: 'check', id: check.check.CheckID, serviceId: check.check.ServiceID });
  }

  removeCheck(id: string): boolean {
    const existing = this.checksById.get(id);
    if (existing === undefined) return false;
    this.checksById.delete(id);
    this.emit({ kind: 'check', id, serviceId: existing.check.ServiceID });
    return true;
  }

  /** Sets a check's status and output; false when the check is unknown. Unchanged values emit nothing. */
  updateCheck(id: string, status: CheckStatus, output: string): boolean {
    const existing = this.checksById.get(id);
    if (existing === undefined) return false;
    if (existing.check.Status === status && existing.check.Output === output) return true;
    this.checksById.set(id, { ...existing, check: { ...existing.check, Status: status, Output: output } });
    this.emit({ kind: 'check', id, serviceId: existing.check.ServiceID, outputOnly: existing.check.Status === status });
    return true;
  }

  /** The node's own details changed (address, meta): the sync re-registers the node. */
  nodeChanged(): void {
    this.emit({ kind: 'node' });
  }

  private emit(change: LocalChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
