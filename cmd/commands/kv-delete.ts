// `taxiway kv delete`: remove a key, a prefix (-recurse) or a key at a known ModifyIndex
// (-cas -modify-index), with Consul's messages (command/kv/del). Deleting a missing key succeeds.

import type { Command } from 'commander';
import { deleteKv, deleteKvCas, deleteKvTree, type ClientFlags } from '../../src/api/index.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';
import { asModifyIndex, badFlagValue, parseUint64Flag } from './kv-input.js';
import { keyArgument } from './kv-get.js';

interface KvDeleteFlags extends ClientFlags {
  readonly cas?: boolean;
  readonly modifyIndex?: string;
  readonly recurse?: boolean;
}

export function registerKvDeleteCommand(kv: Command): void {
  addConnectionFlags(kv.command('delete').description('Removes data from the KV store').argument('[key]'), { server: true })
    .option('--cas', 'Perform a Check-And-Set operation; requires -modify-index')
    .option('--modify-index <uint>', 'The ModifyIndex the key must have, for -cas')
    .option('--recurse', 'Recursively delete all keys with the path')
    .allowExcessArguments(true)
    .action((_key: unknown, flags: KvDeleteFlags, command: Command) => runKvDelete(flags, command));
}

/** The flag combination errors, in Consul's order; undefined when usable. */
function flagsProblem(key: string, flags: KvDeleteFlags, modifyIndex: number): string | undefined {
  if (key === '' && flags.recurse !== true) return 'Error! Missing KEY argument';
  if (flags.cas === true && modifyIndex === 0) return 'Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.';
  if (modifyIndex !== 0 && flags.cas !== true) return 'Cannot specify -modify-index without -cas!';
  if (flags.recurse === true && flags.cas === true) return 'Cannot specify both -cas and -recurse!';
  return undefined;
}

async function runKvDelete(flags: KvDeleteFlags, command: Command): Promise<void> {
  const parsedIndex = parseUint64Flag(flags.modifyIndex);
  if (parsedIndex === undefined) return fail(badFlagValue('modify-index', flags.modifyIndex ?? ''));
  const modifyIndex = asModifyIndex(parsedIndex);
  if (command.args.length > 1) return fail(`Too many arguments (expected 1, got ${command.args.length})`);
  const key = keyArgument(command.args);
  const problem = flagsProblem(key, flags, modifyIndex);
  if (problem !== undefined) return fail(problem);
  await withApiClient(flags, async (client) => {
    if (flags.recurse === true) {
      try {
        await deleteKvTree(client, key);
      } catch (error) {
        return fail(`Error! Did not delete prefix ${key}: ${messageOf(error)}`);
      }
      return output(`Success! Deleted keys with prefix: ${key}`);
    }
    if (flags.cas === true) {
      let ok: boolean;
      try {
        ok = await deleteKvCas(client, key, modifyIndex);
      } catch (error) {
        return fail(`Error! Did not delete key ${key}: ${messageOf(error)}`);
      }
      if (!ok) return fail(`Error! Did not delete key ${key}: CAS failed`);
      return output(`Success! Deleted key: ${key}`);
    }
    try {
      await deleteKv(client, key);
    } catch (error) {
      return fail(`Error deleting key ${key}: ${messageOf(error)}`);
    }
    output(`Success! Deleted key: ${key}`);
  });
}
