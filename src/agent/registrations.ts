// The agent's own registrations: services and checks added or removed through /v1/agent/* or
// config files, check status updates, and maintenance mode. Each change goes to LocalState and is
// then pushed to the catalog; the HTTP answer waits for that push so that a client that registers
// and then queries the catalog sees its service (a failed push is retried in the background).

import { notFound, TaxiwayError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import { truncateOutput } from '../health/output.js';
import type { CheckDefinition, CheckStatus } from '../structs/check.js';
import type { ServiceDefinition } from '../structs/service.js';
import type { CatalogSync } from './catalog-sync.js';
import { type DefinitionContext, localCheckFromDefinition, localServicesFromDefinition } from './definitions.js';
import { sidecarIdOf } from './sidecar.js';
import type { LocalState, RegistrationSource } from './local-state.js';

export interface RegistrationDeps {
  readonly local: LocalState;
  readonly sync: CatalogSync;
  readonly definitionContext: (source: RegistrationSource) => DefinitionContext;
  /** The check runners, told when a TTL check is reported on (absent in tests of registrations alone). */
  readonly health?: { ttlReported(checkId: string): void };
}

export const unknownServiceMessage = (id: string): string => `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`;
export const unknownCheckMessage = (id: string): string => `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`;

export async function registerService(
  deps: RegistrationDeps,
  definition: ServiceDefinition,
  options: { source: RegistrationSource; token: string; replaceExistingChecks: boolean },
): Promise<void> {
  const entries = localServicesFromDefinition({ ...definition, Token: definition.Token || options.token }, deps.definitionContext(options.source), registeredPorts(deps.local));
  for (const { service, checks } of entries) deps.local.addService(service, checks, options.replaceExistingChecks);
  await deps.sync.syncChanges();
}

export function registeredPorts(local: LocalState): { id: string; port: number }[] {
  return local.services().map((entry) => ({ id: entry.service.ID, port: entry.service.Port }));
}

/** Removes a service and the sidecar registered with it (Connect.SidecarService). */
export async function deregisterService(deps: RegistrationDeps, id: string): Promise<void> {
  if (!deps.local.removeService(id)) throw notFound(unknownServiceMessage(id));
  removeSidecarOf(deps.local, id);
  await deps.sync.syncChanges();
}

/** The `<id>-sidecar-proxy` that proxies for `id`, if there is one; a service that merely shares the name is kept. */
export function removeSidecarOf(local: LocalState, id: string): void {
  const sidecar = local.service(sidecarIdOf(id));
  if (sidecar?.service.Kind === 'connect-proxy' && sidecar.service.Proxy.DestinationServiceID === id) local.removeService(sidecar.service.ID);
}

export async function registerCheck(deps: RegistrationDeps, definition: CheckDefinition, options: { source: RegistrationSource; token: string }): Promise<void> {
  const check = localCheckFromDefinition({ ...definition, Token: definition.Token || options.token }, deps.definitionContext(options.source));
  if (check.check.ServiceID !== '' && deps.local.service(check.check.ServiceID) === undefined) {
    throw notFound(`ServiceID "${check.check.ServiceID}" does not exist`);
  }
  deps.local.addCheck(check);
  await deps.sync.syncChanges();
}

export async function deregisterCheck(deps: RegistrationDeps, id: string): Promise<void> {
  if (!deps.local.removeCheck(id)) throw notFound(unknownCheckMessage(id));
  await deps.sync.syncChanges();
}

/**
 * Sets a TTL check's status (/v1/agent/check/pass|warn|fail|update). Output is cut at Consul's
 * 4 KiB. Only TTL checks take outside updates: other checks are run by the agent itself.
 */
export async function updateTtlCheck(deps: RegistrationDeps, id: string, status: CheckStatus, output: string): Promise<void> {
  const existing = deps.local.check(id);
  if (existing === undefined) throw notFound(unknownCheckMessage(id));
  // Consul answers 500 here; it is the caller's mistake, not ours, so it is not logged as one.
  if (existing.check.Type !== 'ttl') throw new TaxiwayError('conflict', `CheckID "${id}" does not have associated TTL`);
  deps.local.updateCheck(id, status, truncateOutput(output, existing.definition?.OutputMaxSize || limits.checkOutputBytesMax));
  deps.health?.ttlReported(id);
  await deps.sync.syncChanges();
}

export { truncateOutput };
