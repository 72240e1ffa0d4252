// `taxiway maint`: put the node or one of its services into maintenance mode, take it out again,
// or (with no -enable/-disable) list what is in maintenance (Consul's command/maint). Maintenance
// is a critical check the agent registers (_node_maintenance, _service_maintenance:<id>).

import type { Command } from 'commander';
import {
  getAgentNodeName,
  listAgentChecks,
  nodeMaintenanceCheckId,
  serviceMaintenanceCheckPrefix,
  setMaintenance,
  type AgentCheck,
  type ApiClient,
  type ClientFlags,
} from '../../src/api/index.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';
import { byteOrder } from './columns.js';

interface MaintFlags extends ClientFlags {
  readonly enable?: boolean;
  readonly disable?: boolean;
  readonly reason?: string;
  readonly service?: string;
}

export function registerMaintCommand(program: Command): void {
  addConnectionFlags(program.command('maint').description('Controls node or service maintenance mode'), { server: true })
    .option('--enable', 'Enable maintenance mode')
    .option('--disable', 'Disable maintenance mode')
    .option('--reason <text>', 'Text describing the maintenance reason (with -enable)')
    .option('--service <id>', 'Control maintenance mode of this service ID instead of the node')
    .action((flags: MaintFlags) => runMaint(flags));
}

/** The flag combination errors, in Consul's order; undefined when the flags are usable. */
function flagsProblem(flags: MaintFlags): string | undefined {
  if (flags.enable === true && flags.disable === true) return 'Only one of -enable or -disable may be provided';
  if (flags.enable !== true && (flags.reason ?? '') !== '') return 'Reason may only be provided with -enable';
  if (flags.enable !== true && flags.disable !== true && (flags.service ?? '') !== '') return 'Service requires either -enable or -disable';
  return undefined;
}

async function runMaint(flags: MaintFlags): Promise<void> {
  const problem = flagsProblem(flags);
  if (problem !== undefined) return fail(problem);
  await withApiClient(flags, async (client) => {
    let nodeName: string;
    try {
      // Asked first, as Consul does: it proves the agent answers before anything changes.
      nodeName = await getAgentNodeName(client);
    } catch (error) {
      return fail(`Error querying Consul agent: ${messageOf(error)}`);
    }
    if (flags.enable !== true && flags.disable !== true) return listMaintenance(client, nodeName);
    return changeMaintenance(client, flags.enable === true, flags.reason ?? '', flags.service);
  });
}

async function changeMaintenance(client: ApiClient, enable: boolean, reason: string, serviceId: string | undefined): Promise<void> {
  const onService = serviceId !== undefined && serviceId !== '';
  const verb = enable ? 'enabl' : 'disabl';
  try {
    await setMaintenance(client, enable, reason, onService ? serviceId : undefined);
  } catch (error) {
    return fail(`Error ${verb}ing ${onService ? 'service' : 'node'} maintenance: ${messageOf(error)}`);
  }
  output(onService ? `Service maintenance is now ${verb}ed for ${JSON.stringify(serviceId)}` : `Node maintenance is now ${verb}ed`);
}

async function listMaintenance(client: ApiClient, nodeName: string): Promise<void> {
  let checks: Record<string, AgentCheck>;
  try {
    checks = (await listAgentChecks(client)).value ?? {};
  } catch (error) {
    return fail(`Error querying Consul agent: ${messageOf(error)}`);
  }
  output(...maintenanceListing(Object.values(checks), nodeName));
}

/**
 * The list-mode text: a block per maintenance check, each ending in a blank line. Consul prints
 * them in Go's random map order; taxiway prints the node first, then services by check ID.
 */
export function maintenanceListing(checks: readonly AgentCheck[], nodeName: string): string[] {
  const lines: string[] = [];
  const sorted = [...checks].sort((a, b) => byteOrder(a.CheckID, b.CheckID));
  for (const check of sorted.filter((each) => each.CheckID === nodeMaintenanceCheckId)) {
    lines.push('Node:', `  Name:   ${nodeName}`, `  Reason: ${check.Notes}`, '');
  }
  for (const check of sorted.filter((each) => each.CheckID.startsWith(serviceMaintenanceCheckPrefix))) {
    lines.push('Service:', `  ID:     ${check.ServiceID}`, `  Reason: ${check.Notes}`, '');
  }
  return lines;
}
