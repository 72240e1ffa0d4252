// `taxiway config write|read|list|delete` (Consul's command/config/*): config entries from HCL
// or JSON files ("-" = stdin), decoded in weak mode like Consul's, written with PUT /v1/config
// (optionally -cas -modify-index), read back as indented JSON, listed by name, deleted.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseConfigText } from '../../src/agent/config/parse.js';
import type { ClientFlags } from '../../src/api/index.js';
import { pathSegment } from '../../src/api/client.js';
import { decodeConfigEntry } from '../../src/structs/config-entry.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';

interface EntryFlags extends ClientFlags {
  kind?: string;
  name?: string;
  cas?: boolean;
  modifyIndex?: string;
}

async function readEntryFile(path: string): Promise<unknown> {
  const text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  const format = path.endsWith('.json') || text.trimStart().startsWith('{') ? 'json' : 'hcl';
  return decodeConfigEntry(parseConfigText(text, format, path), { weak: format === 'hcl' });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function casQuery(flags: EntryFlags): Record<string, string> | undefined | 'error' {
  if (flags.cas !== true) return undefined;
  if (flags.modifyIndex === undefined || !/^\d+$/.test(flags.modifyIndex)) {
    fail('Must specify a -modify-index greater than 0 with -cas');
    return 'error';
  }
  return { cas: flags.modifyIndex };
}

function registerWrite(config: Command): void {
  addConnectionFlags(config.command('write').description('Create or update a centralized config entry').argument('[file]'), { server: false })
    .option('--cas', 'Perform a Check-And-Set operation')
    .option('--modify-index <index>', 'The ModifyIndex the entry must have for -cas')
    .action(async (file: string | undefined, flags: EntryFlags) => {
      if (file === undefined || file === '') return fail('Must provide exactly one positional argument to specify the config entry to write');
      let entry: { Kind: string; Name: string };
      try {
        entry = (await readEntryFile(file)) as { Kind: string; Name: string };
      } catch (error) {
        return fail(`Failed to decode config entry input: ${messageOf(error)}`);
      }
      const params = casQuery(flags);
      if (params === 'error') return;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.write<boolean>('PUT', '/v1/config', { body: entry, query: { params } });
          if (value === false) return fail(`Config entry not updated: ${entry.Kind}/${entry.Name}`);
          output(`Config entry written: ${entry.Kind}/${entry.Name}`);
        } catch (error) {
          fail(`Error writing config entry ${entry.Kind}/${entry.Name}: ${messageOf(error)}`);
        }
      });
    });
}

function registerRead(config: Command): void {
  addConnectionFlags(config.command('read').description('Read a centralized config entry'), { server: true })
    .option('--kind <kind>', 'The kind of configuration to read')
    .option('--name <name>', 'The name of configuration to read')
    .action(async (flags: EntryFlags) => {
      if (flags.kind === undefined || flags.kind === '') return fail('Must specify the -kind parameter');
      if (flags.name === undefined || flags.name === '') return fail('Must specify the -name parameter');
      const kind = flags.kind;
      const name = flags.name;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<unknown>(`/v1/config/${pathSegment(kind)}/${pathSegment(name)}`);
          output(JSON.stringify(value, null, 4));
        } catch (error) {
          fail(`Error reading config entry ${kind}/${name}: ${messageOf(error)}`);
        }
      });
    });
}

function registerList(config: Command): void {
  addConnectionFlags(config.command('list').description('List centralized config entries of a given kind'), { server: true })
    .option('--kind <kind>', 'The kind of configurations to list')
    .action(async (flags: EntryFlags) => {
      if (flags.kind === undefined || flags.kind === '') return fail('Must specify the -kind parameter');
      const kind = flags.kind;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<{ Name: string }[]>(`/v1/config/${pathSegment(kind)}`);
          output(...value.map((entry) => entry.Name));
        } catch (error) {
          fail(`Error listing config entries for kind "${kind}": ${messageOf(error)}`);
        }
      });
    });
}

function registerDelete(config: Command): void {
  addConnectionFlags(config.command('delete').description('Delete a centralized config entry'), { server: false })
    .option('--kind <kind>', 'The kind of configuration to delete')
    .option('--name <name>', 'The name of configuration to delete')
    .option('--cas', 'Perform a Check-And-Set operation')
    .option('--modify-index <index>', 'The ModifyIndex the entry must have for -cas')
    .action(async (flags: EntryFlags) => {
      if (flags.kind === undefined || flags.kind === '') return fail('Must specify the -kind parameter');
      if (flags.name === undefined || flags.name === '') return fail('Must specify the -name parameter');
      const params = casQuery(flags);
      if (params === 'error') return;
      const kind = flags.kind;
      const name = flags.name;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.write<unknown>('DELETE', `/v1/config/${pathSegment(kind)}/${pathSegment(name)}`, { query: { params } });
          if (value === false) return fail(`Config entry not deleted: ${kind}/${name}`);
          output(`Config entry deleted: ${kind}/${name}`);
        } catch (error) {
          fail(`Error deleting config entry ${kind}/${name}: ${messageOf(error)}`);
        }
      });
    });
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Interact with Consul\'s Centralized Configurations');
  registerWrite(config);
  registerRead(config);
  registerList(config);
  registerDelete(config);
}
