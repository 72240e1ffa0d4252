// `taxiway kv get`: one value printed raw, a prefix as "key:value" lines (-recurse), key names
// (-keys, up to -separator), or the entry's fields as a table (-detailed), as Consul's
// command/kv/get. A missing key is an error; an existing empty key prints an empty line.

import type { Command } from 'commander';
import { getKv, kvValueBytes, listKv, listKvKeys, type ApiClient, type ClientFlags, type KvPair } from '../../src/api/index.js';
import { addConnectionFlags, fail, messageOf, withApiClient } from './client-options.js';

interface KvGetFlags extends ClientFlags {
  readonly base64?: boolean;
  readonly detailed?: boolean;
  readonly keys?: boolean;
  readonly recurse?: boolean;
  readonly separator: string;
}

export function registerKvGetCommand(kv: Command): void {
  addConnectionFlags(kv.command('get').description('Retrieves or lists data from the KV store').argument('[key]'), { server: true })
    .option('--base64', 'Base64 encode the value')
    .option('--detailed', 'Provide additional metadata about the key (ModifyIndex, flags, session)')
    .option('--keys', 'List keys which start with the given prefix, but not their values')
    .option('--recurse', 'Recursively look at all keys prefixed with the given path')
    .option('--separator <text>', 'Separator between keys; only with -keys', '/')
    .allowExcessArguments(true)
    .action((_key: string | undefined, flags: KvGetFlags, command: Command) => runKvGet(flags, command));
}

/** Strips one leading "/", as Consul does for keys typed as paths ("/foo"). */
export function keyArgument(args: readonly string[]): string {
  const key = args[0] ?? '';
  return key.startsWith('/') ? key.slice(1) : key;
}

async function runKvGet(flags: KvGetFlags, command: Command): Promise<void> {
  if (command.args.length > 1) return fail(`Too many arguments (expected 1, got ${command.args.length})`);
  const key = keyArgument(command.args);
  if (key === '' && flags.recurse !== true && flags.keys !== true) return fail('Error! Missing KEY argument');
  await withApiClient(flags, async (client) => {
    try {
      if (flags.keys === true) return writeOut(await keysListing(client, key, flags.separator));
      if (flags.recurse === true) return writeOut(await recurseListing(client, key, flags));
      const pair = (await getKv(client, key)).value;
      if (pair === null) return fail(`Error! No key exists at: ${key}`);
      writeOut(flags.detailed === true ? `${detailedPair(pair, flags.base64 === true)}\n` : Buffer.concat([valueOf(pair, flags.base64 === true), Buffer.from('\n')]));
    } catch (error) {
      fail(`Error querying Consul agent: ${messageOf(error)}`);
    }
  });
}

function writeOut(data: string | Buffer): void {
  process.stdout.write(data);
}

async function keysListing(client: ApiClient, prefix: string, separator: string): Promise<string> {
  const keys = (await listKvKeys(client, prefix, separator)).value;
  return keys.map((key) => `${key}\n`).join('');
}

async function recurseListing(client: ApiClient, prefix: string, flags: KvGetFlags): Promise<Buffer> {
  const pairs = (await listKv(client, prefix)).value ?? [];
  const base64 = flags.base64 === true;
  if (flags.detailed === true) {
    // One table per entry, a blank line between them.
    return Buffer.from(pairs.map((pair) => `${detailedPair(pair, base64)}\n`).join('\n'));
  }
  return Buffer.concat(pairs.flatMap((pair) => [Buffer.from(`${pair.Key}:`), valueOf(pair, base64), Buffer.from('\n')]));
}

function valueOf(pair: KvPair, base64: boolean): Buffer {
  const bytes = kvValueBytes(pair);
  return base64 ? Buffer.from(bytes.toString('base64')) : bytes;
}

/**
 * Consul's prettyKVPair: a text/tabwriter table (padding 6), labels padded to the widest label
 * plus six; the value is the trailing cell, so it is never padded. No newline after the value.
 */
export function detailedPair(pair: KvPair, base64: boolean): string {
  const value = base64 ? kvValueBytes(pair).toString('base64') : kvValueBytes(pair).toString('utf8');
  const rows: [string, string][] = [
    ['CreateIndex', String(pair.CreateIndex)],
    ['Flags', String(pair.Flags)],
    ['Key', pair.Key],
    ['LockIndex', String(pair.LockIndex)],
    ['ModifyIndex', String(pair.ModifyIndex)],
    ['Session', pair.Session === '' ? '-' : pair.Session],
    ['Value', value],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 6;
  return rows.map(([label, text]) => `${label.padEnd(width)}${text}`).join('\n');
}
