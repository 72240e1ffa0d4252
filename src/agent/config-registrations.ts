// Services and checks declared in config files. At start they are registered; on reload the set
// is replaced: entries that left the files are removed, the rest registered again (an unchanged
// one is a no-op all the way to the catalog, which skips identical writes) and its checks keep
// their current status. Entries registered through the API are never touched by a reload.

import { TaxiwayError } from '../lib/errors.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import { localCheckFromDefinition, localServiceFromDefinition } from './definitions.js';
import type { LocalCheck, LocalService } from './local-state.js';
import type { RegistrationDeps } from './registrations.js';

/** Thrown when a config file's service or check is refused: the agent does not start (or reload) with it. */
export class ConfigRegistrationError extends Error {
  override readonly name = 'ConfigRegistrationError';
}

function entries(deps: RegistrationDeps, config: RuntimeConfig): { services: { service: LocalService; checks: LocalCheck[] }[]; checks: LocalCheck[] } {
  const token = config.acl.tokens.configFileServiceRegistration;
  const context = deps.definitionContext('config');
  const explain = (what: string, run: () => void): void => {
    try {
      run();
    } catch (error) {
      if (error instanceof TaxiwayError) throw new ConfigRegistrationError(`${what}: ${error.message}`);
      throw error;
    }
  };
  const services: { service: LocalService; checks: LocalCheck[] }[] = [];
  const checks: LocalCheck[] = [];
  for (const definition of config.services) {
    explain(`service "${definition.Name || definition.ID}" in config`, () => services.push(localServiceFromDefinition({ ...definition, Token: definition.Token || token }, context)));
  }
  for (const definition of config.checks) {
    explain(`check "${definition.Name || definition.CheckID}" in config`, () => checks.push(localCheckFromDefinition({ ...definition, Token: definition.Token || token }, context)));
  }
  return { services, checks };
}

/** A check that is reloaded keeps its current status and output (Consul snapshots and restores check state across a reload). */
function keepState(deps: RegistrationDeps, check: LocalCheck): LocalCheck {
  const existing = deps.local.check(check.check.CheckID);
  if (existing === undefined) return check;
  return { ...check, check: { ...check.check, Status: existing.check.Status, Output: existing.check.Output } };
}

/**
 * Validates everything first, so a bad file changes nothing; then swaps the config-sourced set in
 * local state. The caller syncs (at start without waiting for a cluster that may be electing).
 */
export function applyConfigRegistrations(deps: RegistrationDeps, next: RuntimeConfig): void {
  const wanted = entries(deps, next);
  const serviceIds = new Set(wanted.services.map((entry) => entry.service.service.ID));
  const checkIds = new Set(wanted.checks.map((check) => check.check.CheckID));
  for (const check of wanted.checks) {
    const serviceId = check.check.ServiceID;
    if (serviceId !== '' && !serviceIds.has(serviceId) && deps.local.service(serviceId) === undefined) {
      throw new ConfigRegistrationError(`check "${check.check.Name}" in config: ServiceID "${serviceId}" does not exist`);
    }
  }
  for (const local of deps.local.services()) {
    if (local.source === 'config' && !serviceIds.has(local.service.ID)) deps.local.removeService(local.service.ID);
  }
  for (const local of deps.local.checks()) {
    if (local.source === 'config' && !checkIds.has(local.check.CheckID) && local.check.ServiceID === '') deps.local.removeCheck(local.check.CheckID);
  }
  for (const entry of wanted.services) deps.local.addService(entry.service, entry.checks.map((check) => keepState(deps, check)), true);
  for (const check of wanted.checks) deps.local.addCheck(keepState(deps, check));
}
