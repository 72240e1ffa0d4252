// Checks on the service and check definitions of a config file, so that a bad definition stops
// the agent at start with the file and key named, as Consul's builder.validate does through
// ServiceDefinition.Validate and CheckType.Validate (agent/structs/check_type.go).

import type { CheckDefinition } from '../../structs/check.js';
import type { ServiceDefinition } from '../../structs/service.js';

/** What is wrong, at which key below the definition (".check.ttl", ".name", "" for itself). */
export interface DefinitionProblem {
  readonly key: string;
  readonly problem: string;
}

export function serviceDefinitionProblem(service: ServiceDefinition): DefinitionProblem | undefined {
  if (service.Name.trim() === '') return { key: '.name', problem: 'expected a service name, got nothing' };
  if (service.Check !== undefined) {
    const problem = checkDefinitionProblem(service.Check);
    if (problem !== undefined) return { key: `.check${problem.key}`, problem: problem.problem };
  }
  for (const [index, check] of service.Checks.entries()) {
    const problem = checkDefinitionProblem(check);
    if (problem !== undefined) return { key: `.checks[${index}]${problem.key}`, problem: problem.problem };
  }
  return undefined;
}

/** Consul's CheckType.Validate: which of interval and ttl a check needs follows from its kind. */
export function checkDefinitionProblem(check: CheckDefinition): DefinitionProblem | undefined {
  const runsOnInterval =
    check.ScriptArgs.length > 0 || [check.HTTP, check.TCP, check.UDP, check.GRPC, check.H2PING, check.OSService].some((target) => target !== '');
  const isAlias = check.AliasNode !== '' || check.AliasService !== '';
  if (check.Interval > 0 && check.TTL > 0) {
    return { key: '.ttl', problem: 'expected either interval or ttl, got both' };
  }
  if (runsOnInterval && isAlias) {
    return { key: '.alias_service', problem: 'expected an alias check to have no script, http, tcp, udp, grpc, h2ping or os_service, got one' };
  }
  if (runsOnInterval && check.Interval <= 0) {
    return { key: '.interval', problem: 'expected an interval greater than 0 for script, http, tcp, udp, grpc, h2ping and os_service checks, got nothing' };
  }
  if (isAlias && check.TTL > 0) return { key: '.ttl', problem: 'expected no ttl on an alias check, got one' };
  if (!runsOnInterval && !isAlias && check.TTL <= 0) {
    return { key: '.ttl', problem: 'expected a ttl greater than 0 (a check with no script, http, tcp, udp, grpc, h2ping, os_service or alias is a TTL check), got nothing' };
  }
  return undefined;
}
