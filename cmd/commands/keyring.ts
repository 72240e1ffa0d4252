// `taxiway keygen` and `taxiway keyring -install|-use|-remove <key> | -list` (Consul's
// command/keygen and command/keyring): gossip key rotation without downtime is install the new
// key everywhere, use it everywhere, remove the old one.

import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { changeKeyring, listKeys, type ClientFlags, type KeyringResponse } from '../../src/api/index.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';

interface KeyringFlags extends ClientFlags {
  readonly install?: string;
  readonly use?: string;
  readonly remove?: string;
  readonly list?: boolean;
  readonly listPrimary?: boolean;
}

/** Consul's keyring -list layout: one block per pool, each key with [holders/members]. */
export function keyringListing(pools: readonly KeyringResponse[], primaryOnly: boolean): string[] {
  const lines: string[] = [];
  for (const pool of pools) {
    lines.push('', `${pool.Datacenter} (${pool.WAN ? 'WAN' : 'LAN'}):`);
    const keys = primaryOnly ? pool.PrimaryKeys : pool.Keys;
    for (const [key, count] of Object.entries(keys)) lines.push(`  ${key} [${count}/${pool.NumNodes}]`);
  }
  return lines;
}

async function runKeyring(flags: KeyringFlags): Promise<void> {
  const ops = [
    ['install', flags.install, 'Installing new gossip encryption key...'],
    ['use', flags.use, 'Changing primary gossip encryption key...'],
    ['remove', flags.remove, 'Removing gossip encryption key...'],
  ] as const;
  const chosen = ops.filter(([, key]) => key !== undefined);
  const listing = flags.list === true || flags.listPrimary === true;
  if (chosen.length + (listing ? 1 : 0) !== 1) return fail('Exactly one of -list, -install, -use, or -remove must be provided');
  await withApiClient(flags, async (client) => {
    try {
      if (listing) {
        output('==> Gathering installed encryption keys...', ...keyringListing(await listKeys(client), flags.listPrimary === true));
        return;
      }
      const [op, key, banner] = chosen[0]!;
      output(`==> ${banner}`);
      await changeKeyring(client, op, key ?? '');
    } catch (error) {
      fail(`error: ${messageOf(error)}`);
    }
  });
}

export function registerKeyringCommands(program: Command): void {
  program
    .command('keygen')
    .description('Generates a new encryption key')
    .action(() => output(randomBytes(32).toString('base64')));
  addConnectionFlags(program.command('keyring').description('Manages gossip layer encryption keys'), { server: false })
    .option('--install <key>', 'Install a new encryption key on every member')
    .option('--use <key>', 'Make an installed key the primary on every member')
    .option('--remove <key>', 'Remove a key from every member (not the primary)')
    .option('--list', 'List the installed keys and how many members hold each')
    .option('--list-primary', 'List the primary keys')
    .action((flags: KeyringFlags) => runKeyring(flags));
}
