// `taxiway event -name <name> [payload]`: fire a user event (Consul's command/event), optionally
// only for agents whose node, service or service tag matches a regular expression.

import type { Command } from 'commander';
import { fireEvent, getAgentNodeName, type ClientFlags } from '../../src/api/index.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';

interface EventFlags extends ClientFlags {
  readonly name?: string;
  readonly node?: string;
  readonly service?: string;
  readonly tag?: string;
}

export function registerEventCommand(program: Command): void {
  addConnectionFlags(program.command('event').description('Fire a new event').argument('[payload]'), { server: false })
    .option('--name <name>', 'Name of the event')
    .option('--node <regexp>', 'Regular expression to filter on node names')
    .option('--service <regexp>', 'Regular expression to filter on service instances')
    .option('--tag <regexp>', 'Regular expression to filter on service tags; needs -service')
    .allowExcessArguments(true)
    .action((_payload: unknown, flags: EventFlags, command: Command) => runEvent(flags, command));
}

/** The first filter that is not a valid regular expression, as Consul reports it. */
function filterProblem(flags: EventFlags): string | undefined {
  for (const [what, pattern] of [['node', flags.node], ['service', flags.service], ['tag', flags.tag]] as const) {
    if (pattern === undefined || pattern === '') continue;
    try {
      new RegExp(pattern);
    } catch (error) {
      return `Failed to compile ${what} filter regexp: ${messageOf(error)}`;
    }
  }
  if ((flags.tag ?? '') !== '' && (flags.service ?? '') === '') return 'Cannot provide tag filter without service filter.';
  return undefined;
}

async function runEvent(flags: EventFlags, command: Command): Promise<void> {
  const name = flags.name ?? '';
  if (name === '') return fail(`Event name must be specified\n\n${command.helpInformation()}`);
  const problem = filterProblem(flags);
  if (problem !== undefined) return fail(problem);
  if (command.args.length > 1) return fail(`Too many command line arguments.\n\n${command.helpInformation()}`);
  const payload = command.args[0];
  await withApiClient(flags, async (client) => {
    try {
      await getAgentNodeName(client);
    } catch (error) {
      return fail(`Error querying Consul agent: ${messageOf(error)}`);
    }
    let id: string;
    try {
      const event = await fireEvent(client, {
        name,
        ...(payload === undefined ? {} : { payload: Buffer.from(payload, 'utf8') }),
        nodeFilter: flags.node ?? '',
        serviceFilter: flags.service ?? '',
        tagFilter: flags.tag ?? '',
      });
      id = event.ID;
    } catch (error) {
      return fail(`Error firing event: ${messageOf(error)}`);
    }
    output(`Event ID: ${id}`);
  });
}
