// `taxiway intention create|delete|get|list|match|check` (Consul's command/intention/*). Writes go
// through the exact (source, destination) API, as Consul ≥ 1.9's CLI does; get and delete also
// take a legacy intention ID. check exits 0 when allowed and 2 when denied.

import type { Command } from 'commander';
import type { ClientFlags } from '../../src/api/index.js';
import type { ApiClient } from '../../src/api/client.js';
import { pathSegment } from '../../src/api/client.js';
import { addConnectionFlags, collect, fail, messageOf, output, parseKeyValueFlags, withApiClient } from './client-options.js';
import { columnize } from './columns.js';

interface Intention {
  ID: string;
  SourceName: string;
  DestinationName: string;
  Action: string;
  Permissions?: unknown[];
  Description: string;
  Precedence: number;
  CreatedAt: string;
  UpdatedAt: string;
  Meta: Record<string, string>;
}

const actionOf = (intention: Intention): string => (intention.Action === '' ? 'l7 permissions' : intention.Action);

/** One intention by "<src> <dst>" or "<id>", as Consul's GetFromArgs. */
async function intentionFromArgs(client: ApiClient, args: readonly string[]): Promise<Intention> {
  if (args.length === 1) {
    const { value } = await client.query<Intention>(`/v1/connect/intentions/${pathSegment(args[0] as string)}`);
    return value;
  }
  const { value } = await client.query<Intention>('/v1/connect/intentions/exact', { query: { params: { source: args[0] as string, destination: args[1] as string } } });
  return value;
}

function registerCreate(intention: Command): void {
  addConnectionFlags(intention.command('create').description('Create intentions for service connections').argument('[names...]'), { server: false })
    .option('--allow', 'Create an intention that allows when matched')
    .option('--deny', 'Create an intention that denies when matched')
    .option('--replace', 'Replace an existing intention with the same source and destination')
    .option('--meta <key=value>', 'Metadata to set on the intention, may be repeated', collect, [])
    .action(async (names: string[], flags: ClientFlags & { allow?: boolean; deny?: boolean; replace?: boolean; meta: string[] }) => {
      if (names.length !== 2) return fail('Must specify two arguments: source and destination');
      const meta = parseKeyValueFlags('meta', flags.meta);
      if ('error' in meta) return fail(meta.error);
      const [source, destination] = names as [string, string];
      const action = flags.deny === true ? 'deny' : 'allow';
      await withApiClient(flags, async (client) => {
        try {
          if (flags.replace !== true) {
            const { value } = await client.query<Record<string, Intention[]>>('/v1/connect/intentions/match', { query: { params: { by: 'destination', name: destination } } });
            if ((value[destination] ?? []).some((item) => item.SourceName === source && item.DestinationName === destination)) {
              return fail(`Intention with source "${source}" and destination "${destination}" already exists`);
            }
          }
          const body = { SourceName: source, DestinationName: destination, SourceType: 'consul', Action: action, Meta: meta.map };
          await client.write('PUT', '/v1/connect/intentions/exact', { body, query: { params: { source, destination } } });
          output(`Created: ${source} => ${destination} (${action})`);
        } catch (error) {
          fail(`Error creating intention "${source} => ${destination} (${action})": ${messageOf(error)}`);
        }
      });
    });
}

function registerDelete(intention: Command): void {
  addConnectionFlags(intention.command('delete').description('Delete an intention').argument('[names...]'), { server: false }).action(async (names: string[], flags: ClientFlags) => {
    if (names.length !== 1 && names.length !== 2) return fail('Must specify either one or two arguments: source and destination, or an intention ID');
    await withApiClient(flags, async (client) => {
      try {
        if (names.length === 1) await client.write('DELETE', `/v1/connect/intentions/${pathSegment(names[0] as string)}`);
        else await client.write('DELETE', '/v1/connect/intentions/exact', { query: { params: { source: names[0] as string, destination: names[1] as string } } });
        output('Intention deleted.');
      } catch (error) {
        fail(`Error deleting intention: ${messageOf(error)}`);
      }
    });
  });
}

function registerGet(intention: Command): void {
  addConnectionFlags(intention.command('get').description('Show information about an intention').argument('[names...]'), { server: true }).action(async (names: string[], flags: ClientFlags) => {
    if (names.length !== 1 && names.length !== 2) return fail('Must specify either one or two arguments: source and destination, or an intention ID');
    await withApiClient(flags, async (client) => {
      try {
        const found = await intentionFromArgs(client, names);
        const rows: string[][] = [['Source:', found.SourceName], ['Destination:', found.DestinationName], ['Action:', actionOf(found)]];
        if (found.ID !== '') rows.push(['ID:', found.ID]);
        if (found.Description !== '') rows.push(['Description:', found.Description]);
        for (const key of Object.keys(found.Meta).sort()) rows.push([`Meta[${key}]:`, found.Meta[key] as string]);
        rows.push(['Created At:', found.CreatedAt]);
        output(columnize(rows));
      } catch (error) {
        fail(`Error reading the intention: ${messageOf(error)}`);
      }
    });
  });
}

function registerList(intention: Command): void {
  addConnectionFlags(intention.command('list').description('List intentions'), { server: true }).action(async (flags: ClientFlags) => {
    await withApiClient(flags, async (client) => {
      try {
        const { value } = await client.query<Intention[]>('/v1/connect/intentions');
        if (value.length === 0) return output('There are no intentions.');
        const rows = value.map((item) => [item.ID, item.SourceName, actionOf(item), item.DestinationName, String(item.Precedence)]);
        output(columnize([['ID', 'Source', 'Action', 'Destination', 'Precedence'], ...rows]));
      } catch (error) {
        fail(`Failed to retrieve the intention list: ${messageOf(error)}`);
      }
    });
  });
}

function registerMatch(intention: Command): void {
  addConnectionFlags(intention.command('match').description('Show intentions that match a source or destination').argument('[name]'), { server: true })
    .option('--source', 'Match intentions with the given source')
    .option('--destination', 'Match intentions with the given destination (the default)')
    .action(async (name: string | undefined, flags: ClientFlags & { source?: boolean }) => {
      if (name === undefined || name === '') return fail('Must specify exactly one argument: the name to match');
      const by = flags.source === true ? 'source' : 'destination';
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<Record<string, Intention[]>>('/v1/connect/intentions/match', { query: { params: { by, name } } });
          output(...(value[name] ?? []).map((item) => `${item.SourceName} => ${item.DestinationName} (${actionOf(item)})`));
        } catch (error) {
          fail(`Error matching the intention: ${messageOf(error)}`);
        }
      });
    });
}

function registerCheck(intention: Command): void {
  addConnectionFlags(intention.command('check').description('Check whether a connection between two services is allowed').argument('[names...]'), { server: true }).action(
    async (names: string[], flags: ClientFlags) => {
      if (names.length !== 2) return fail('Must specify two arguments: source and destination');
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<{ Allowed: boolean }>('/v1/connect/intentions/check', { query: { params: { source: names[0] as string, destination: names[1] as string } } });
          output(value.Allowed ? 'Allowed' : 'Denied');
          if (!value.Allowed) process.exitCode = 2;
        } catch (error) {
          fail(`Error checking the connection: ${messageOf(error)}`);
        }
      });
    },
  );
}

export function registerIntentionCommands(program: Command): void {
  const intention = program.command('intention').description('Interact with Connect service intentions');
  registerCreate(intention);
  registerDelete(intention);
  registerGet(intention);
  registerList(intention);
  registerMatch(intention);
  registerCheck(intention);
}
