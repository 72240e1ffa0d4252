// What the periodic full sync must push: the difference between this agent's local state (the
// truth for its node) and what the catalog holds for the node (Consul's updateSyncState). Pure.
//
//   local only, or different in the catalog → register (service with its checks, or the check)
//   catalog only                             → deregister, except the entries the servers own:
//                                              the `consul` service and the `serfHealth` check

import { isDeepStrictEqual } from 'node:util';
import type { HealthCheck } from '../structs/check.js';
import type { Node } from '../structs/node.js';
import type { HealthCheckContent, NodeContent, NodeServiceContent } from '../structs/registration.js';
import type { NodeService } from '../structs/service.js';

/** Entries the servers register for their own node, which no agent's local state holds. */
const serverOwnedServiceIds: ReadonlySet<string> = new Set(['consul']);
const serverOwnedCheckIds: ReadonlySet<string> = new Set(['serfHealth']);

export interface CatalogNodeView {
  /** undefined: the catalog does not know the node at all. */
  readonly node: Node | undefined;
  readonly services: readonly NodeService[];
  readonly checks: readonly HealthCheck[];
}

export interface LocalNodeView {
  readonly node: NodeContent;
  readonly services: readonly NodeServiceContent[];
  readonly checks: readonly HealthCheckContent[];
}

export interface Drift {
  readonly node: boolean;
  /** Service IDs to push: registered when local, deregistered when not. */
  readonly services: readonly string[];
  /** Check IDs to push, each with its service ID ("" for node checks). */
  readonly checks: readonly { readonly id: string; readonly serviceId: string }[];
}

/** True when every field the agent sets is the same in the catalog (the catalog adds indexes and names). */
function sameFields(local: object, remote: object, ignored: ReadonlySet<string> = new Set()): boolean {
  const remoteFields = remote as Record<string, unknown>;
  return Object.entries(local).every(([key, value]) => ignored.has(key) || isDeepStrictEqual(value, remoteFields[key]));
}

const outputField: ReadonlySet<string> = new Set(['Output']);

/**
 * compareOutput false (check_update_interval on): a check whose output alone differs is in step,
 * as in Consul — its output reaches the catalog through the coalesced write, not the full sync.
 */
export function diffNode(local: LocalNodeView, catalog: CatalogNodeView, options: { compareOutput: boolean } = { compareOutput: true }): Drift {
  const services = new Set<string>();
  const checks = new Map<string, string>();
  const remoteServices = new Map(catalog.services.map((service) => [service.ID, service]));
  const remoteChecks = new Map(catalog.checks.map((check) => [check.CheckID, check]));
  for (const service of local.services) {
    const remote = remoteServices.get(service.ID);
    if (remote === undefined || !sameFields(service, remote)) services.add(service.ID);
  }
  for (const remote of catalog.services) {
    if (!serverOwnedServiceIds.has(remote.ID) && !local.services.some((service) => service.ID === remote.ID)) services.add(remote.ID);
  }
  const localCheckIds = new Set(local.checks.map((check) => check.CheckID));
  for (const check of local.checks) {
    const remote = remoteChecks.get(check.CheckID);
    if (remote === undefined || !sameFields(check, remote, options.compareOutput ? undefined : outputField)) checks.set(check.CheckID, check.ServiceID);
  }
  for (const remote of catalog.checks) {
    if (serverOwnedCheckIds.has(remote.CheckID) || serverOwnedServiceIds.has(remote.ServiceID)) continue;
    if (!localCheckIds.has(remote.CheckID)) checks.set(remote.CheckID, remote.ServiceID);
  }
  const node = catalog.node === undefined || !sameFields(local.node, catalog.node);
  return { node, services: [...services], checks: [...checks].map(([id, serviceId]) => ({ id, serviceId })) };
}

export function hasDrift(drift: Drift): boolean {
  return drift.node || drift.services.length > 0 || drift.checks.length > 0;
}
