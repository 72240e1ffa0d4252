// `taxiway kv export` and `kv import`: a KV tree as the JSON array Consul's command/kv/impexp
// writes ([{"key","flags","value"(base64)}], tab-indented), and back, so that trees move
// between taxiway and Consul clusters in either direction.

import { posix } from 'node:path';
import type { Command } from 'commander';
import { goJsonIndent, listKv, putKv, type ClientFlags } from '../../src/api/index.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';
import { dataOfArgument, decodeStdBase64 } from './kv-input.js';
import { keyArgument } from './kv-get.js';

/** One exported entry (Consul's impexp.Entry; namespace and partition are Enterprise-only and left out). */
interface ExportEntry {
  readonly key: string;
  readonly flags: number;
  readonly value: string;
}

interface KvImportFlags extends ClientFlags {
  readonly prefix: string;
}

export function registerKvTransferCommands(kv: Command): void {
  addConnectionFlags(kv.command('export').description('Exports a tree from the KV store as JSON').argument('[prefix]'), { server: true })
    .allowExcessArguments(true)
    .action((_prefix: unknown, flags: ClientFlags, command: Command) => runExport(flags, command));
  addConnectionFlags(kv.command('import').description('Imports a tree stored as JSON to the KV store').argument('[data]'), { server: true })
    .option('--prefix <prefix>', 'Key prefix for imported data (default: the root)', '')
    .allowExcessArguments(true)
    .action((_data: unknown, flags: KvImportFlags, command: Command) => runImport(flags, command));
}

async function runExport(flags: ClientFlags, command: Command): Promise<void> {
  if (command.args.length > 1) return fail(`Too many arguments (expected 1, got ${command.args.length})`);
  const prefix = keyArgument(command.args);
  await withApiClient(flags, async (client) => {
    let entries: ExportEntry[];
    try {
      const pairs = (await listKv(client, prefix)).value ?? [];
      entries = pairs.map((pair) => ({ key: pair.Key, flags: pair.Flags, value: pair.Value ?? '' }));
    } catch (error) {
      return fail(`Error querying Consul agent: ${messageOf(error)}`);
    }
    output(goJsonIndent(entries, '\t'));
  });
}

/** The entries of an export, or the error Consul prints ("Cannot unmarshal data: ..."). */
export function parseExport(text: string): { entries: ExportEntry[] } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `Cannot unmarshal data: ${messageOf(error)}` };
  }
  if (parsed === null) return { entries: [] };
  if (!Array.isArray(parsed)) return { error: `Cannot unmarshal data: json: cannot unmarshal ${typeof parsed} into Go value of type []*impexp.Entry` };
  const entries: ExportEntry[] = [];
  for (const item of parsed as unknown[]) {
    if (item === null) continue;
    const entry = item as Partial<Record<keyof ExportEntry, unknown>>;
    const key = entry.key ?? '';
    const flags = entry.flags ?? 0;
    const value = entry.value ?? '';
    if (typeof item !== 'object' || typeof key !== 'string' || typeof value !== 'string' || typeof flags !== 'number' || !Number.isSafeInteger(flags) || flags < 0) {
      return { error: `Cannot unmarshal data: json: cannot unmarshal ${JSON.stringify(item)} into Go value of type impexp.Entry` };
    }
    entries.push({ key, flags, value });
  }
  return { entries };
}

/** Where an entry lands: under -prefix when one is given (the entry's trailing "/" kept). */
function importedKey(prefix: string, key: string): string {
  return prefix === '' ? key : posix.join(prefix, key);
}

async function runImport(flags: KvImportFlags, command: Command): Promise<void> {
  if (command.args.length === 0) return fail('Error! Missing DATA argument');
  if (command.args.length > 1) return fail(`Error! Too many arguments (expected 1, got ${command.args.length})`);
  const argument = command.args[0] ?? '';
  if (argument === '') return fail('Error! Empty DATA argument');
  const read = await dataOfArgument(argument);
  if ('error' in read) return fail(`Error! ${read.error}`);
  await withApiClient(flags, async (client) => {
    const parsed = parseExport(read.data.toString('utf8'));
    if ('error' in parsed) return fail(parsed.error);
    for (const entry of parsed.entries) {
      const decoded = decodeStdBase64(entry.value);
      if ('error' in decoded) return fail(`Error base 64 decoding value for key ${entry.key}: ${decoded.error}`);
      const key = importedKey(flags.prefix, entry.key);
      try {
        await putKv(client, key, { value: decoded.bytes, flags: entry.flags });
      } catch (error) {
        return fail(`Error! Failed writing data for key ${key}: ${messageOf(error)}`);
      }
      output(`Imported: ${key}`);
    }
  });
}
