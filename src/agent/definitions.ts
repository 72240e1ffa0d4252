// Service and check definitions (from the agent API or config files) → validated local entries.
// The rules and messages are Consul's agent-side ones (AgentRegisterService, AgentRegisterCheck,
// CheckType.Validate), so a definition Consul would refuse is refused here with the same words.

import { isDeepStrictEqual } from 'node:util';
import { badRequest } from '../lib/errors.js';
import { formatGoDuration } from '../lib/duration.js';
import { type CheckDefinition, checkDefinitionSchema, checkType, definitionOf, durationField, isCheckStatus } from '../structs/check.js';
import type { HealthCheckContent } from '../structs/registration.js';
import { nodeServiceContent } from '../structs/registration.js';
import { zeroValue } from '../structs/schema.js';
import type { ServiceDefinition } from '../structs/service.js';
import { validateMeta, validateNodeService, validateWeights } from '../structs/validate.js';
import type { LocalCheck, LocalService, RegistrationSource } from './local-state.js';
import { type RegisteredPort, sidecarDefinition, sidecarPortsDefault, type SidecarPortRange } from './sidecar.js';

export interface DefinitionContext {
  readonly nodeName: string;
  readonly source: RegistrationSource;
  /** enable_script_checks: script checks from any source. */
  readonly enableScriptChecks: boolean;
  /** enable_local_script_checks: script checks from config files only. */
  readonly enableLocalScriptChecks: boolean;
  /** ports.sidecar_min_port..max_port; Consul's 21000-21255 when absent. */
  readonly sidecarPorts?: SidecarPortRange;
}

const unspecifiedAddress = /^(0\.0\.0\.0|::|\[::\])$/;

export function localServiceFromDefinition(definition: ServiceDefinition, context: DefinitionContext): { service: LocalService; checks: LocalCheck[] } {
  if (definition.Name === '') throw badRequest('Missing service name');
  if (unspecifiedAddress.test(definition.Address)) throw badRequest('Invalid service address');
  if (definition.Weights !== undefined) validateWeights(definition.Weights);
  validateMeta(definition.Meta, 'service');
  const service = nodeServiceContent({ ...definition, Service: definition.Name });
  validateNodeService(service);
  const checkDefinitions = [definition.Check, ...definition.Checks].filter((check): check is CheckDefinition => check !== undefined && !isEmptyCheck(check));
  const checks = checkDefinitions.map((check, i) => {
    validateCheckType(check, context);
    if (check.Status !== '' && !isCheckStatus(check.Status)) throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
    const id = check.CheckID !== '' ? check.CheckID : checkDefinitions.length > 1 ? `service:${service.ID}:${i + 1}` : `service:${service.ID}`;
    const name = check.Name !== '' ? check.Name : `Service '${service.Service}' check`;
    // A service's checks are stored with the service's token (Consul's AddServiceWithChecks).
    return localCheck({ ...check, CheckID: id, Name: name, ServiceID: service.ID, Token: check.Token || definition.Token }, context, durationField);
  });
  return { service: { service, token: definition.Token, source: context.source }, checks };
}

/**
 * A definition and the sidecar it may carry (Connect.SidecarService), both validated: the parent
 * first, then its `<id>-sidecar-proxy`. The sidecar's port is picked among the `registered` ones.
 */
export function localServicesFromDefinition(definition: ServiceDefinition, context: DefinitionContext, registered: readonly RegisteredPort[]): { service: LocalService; checks: LocalCheck[] }[] {
  const parent = localServiceFromDefinition(definition, context);
  const sidecar = sidecarDefinition(definition, context.sidecarPorts ?? sidecarPortsDefault, registered);
  return sidecar === undefined ? [parent] : [parent, localServiceFromDefinition(sidecar, context)];
}

/** A check definition registered on its own; whether its ServiceID exists is the caller's to check. */
export function localCheckFromDefinition(definition: CheckDefinition, context: DefinitionContext): LocalCheck {
  if (definition.Name === '') throw badRequest('Missing check name');
  if (definition.Status !== '' && !isCheckStatus(definition.Status)) throw badRequest('Bad check status');
  validateCheckType(definition, context);
  const id = definition.CheckID !== '' ? definition.CheckID : definition.Name;
  // Consul renders the durations of API-registered checks with Duration.String() even when unset ("0s").
  return localCheck({ ...definition, CheckID: id }, context, formatGoDuration);
}

function localCheck(definition: CheckDefinition, context: DefinitionContext, renderDuration: (ms: number) => string): LocalCheck {
  const check: HealthCheckContent = {
    Node: context.nodeName,
    CheckID: definition.CheckID,
    Name: definition.Name,
    Status: definition.Status === '' ? 'critical' : (definition.Status as HealthCheckContent['Status']),
    Notes: definition.Notes,
    Output: '',
    ServiceID: definition.ServiceID,
    Type: checkType(definition),
    Interval: renderDuration(definition.Interval),
    Timeout: renderDuration(definition.Timeout),
    ExposedPort: 0,
    Definition: definitionOf(definition),
  };
  return { check, definition, token: definition.Token, source: context.source };
}

const emptyCheck = zeroValue(checkDefinitionSchema);

/** A service definition's `Check: {}` is no check at all (Consul's CheckType.Empty). */
function isEmptyCheck(check: CheckDefinition): boolean {
  return isDeepStrictEqual(check, emptyCheck);
}

/** Consul's CheckType.Validate, first failing rule wins, plus the script-check switch. */
function validateCheckType(check: CheckDefinition, context: DefinitionContext): void {
  const problem = checkTypeProblem(check);
  if (problem !== undefined) throw badRequest(`Invalid check: ${problem}`);
  if (check.ScriptArgs.length > 0) {
    const allowed = context.enableScriptChecks || (context.source === 'config' && context.enableLocalScriptChecks);
    if (!allowed) throw badRequest("Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true");
  }
}

function checkTypeProblem(check: CheckDefinition): string | undefined {
  const intervalCheck = check.ScriptArgs.length > 0 || [check.HTTP, check.TCP, check.UDP, check.GRPC, check.H2PING, check.OSService].some((target) => target !== '');
  const alias = check.AliasNode !== '' || check.AliasService !== '';
  if (check.Interval > 0 && check.TTL > 0) return 'Interval and TTL cannot both be specified';
  if (intervalCheck && check.Interval <= 0) return 'Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks';
  if (intervalCheck && alias) return 'Interval cannot be set for Alias checks';
  if (alias && check.TTL > 0) return 'TTL must be not be set for Alias checks';
  if (!intervalCheck && !alias && check.TTL <= 0) return 'TTL must be > 0 for TTL checks';
  if (check.FailuresBeforeWarning > check.FailuresBeforeCritical && check.FailuresBeforeCritical > 0) {
    return "FailuresBeforeWarning can't be higher than FailuresBeforeCritical";
  }
  return undefined;
}
