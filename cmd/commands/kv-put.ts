// `taxiway kv put`: write a value (from the argument, @file or - for stdin), optionally as a
// check-and-set (-cas -modify-index), a lock acquisition (-acquire -session) or release
// (-release -session), with Consul's messages (command/kv/put).

import type { Command } from 'commander';
import { acquireKv, casKv, putKv, releaseKv, type ApiClient, type ClientFlags, type KvWriteInput } from '../../src/api/index.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';
import { asModifyIndex, badFlagValue, dataOfArgument, decodeStdBase64, parseUint64Flag } from './kv-input.js';

interface KvPutFlags extends ClientFlags {
  readonly cas?: boolean;
  readonly flags?: string;
  readonly base64?: boolean;
  readonly modifyIndex?: string;
  readonly session?: string;
  readonly acquire?: boolean;
  readonly release?: boolean;
}

export function registerKvPutCommand(kv: Command): void {
  addConnectionFlags(kv.command('put').description('Sets or updates data in the KV store').argument('[key]').argument('[data]'), { server: true })
    .option('--cas', 'Perform a Check-And-Set operation; requires -modify-index')
    .option('--flags <uint>', 'Unsigned integer to store with the key, not read by the agent')
    .option('--base64', 'Treat the data as base 64 encoded')
    .option('--modify-index <uint>', 'The ModifyIndex the key must have, for -cas')
    .option('--session <id>', 'The session for -acquire and -release')
    .option('--acquire', 'Obtain the lock on the key for -session (creating the key if needed)')
    .option('--release', 'Give up the lock on the key held by -session')
    .allowExcessArguments(true)
    .action((_key: unknown, _data: unknown, flags: KvPutFlags, command: Command) => runKvPut(flags, command));
}

/** Key and data from the arguments, as Consul's dataFromArgs; errors without the "Error! " prefix. */
async function keyAndData(args: readonly string[]): Promise<{ key: string; data: Buffer } | { error: string }> {
  if (args.length === 0) return { error: 'Missing KEY argument' };
  if (args.length > 2) return { error: `Too many arguments (expected 1 or 2, got ${args.length})` };
  const [key = '', argument = ''] = args;
  // "-x" with more after the dash is data, not stdin.
  if (argument === '') return { key, data: Buffer.alloc(0) };
  const read = await dataOfArgument(argument);
  return 'error' in read ? read : { key, data: read.data };
}

async function runKvPut(flags: KvPutFlags, command: Command): Promise<void> {
  const kvFlags = parseUint64Flag(flags.flags);
  if (kvFlags === undefined) return fail(badFlagValue('flags', flags.flags ?? ''));
  const parsedIndex = parseUint64Flag(flags.modifyIndex);
  if (parsedIndex === undefined) return fail(badFlagValue('modify-index', flags.modifyIndex ?? ''));
  const modifyIndex = asModifyIndex(parsedIndex);
  const input = await keyAndData(command.args);
  if ('error' in input) return fail(`Error! ${input.error}`);
  let value = input.data;
  if (flags.base64 === true) {
    const decoded = decodeStdBase64(value.toString('utf8'));
    // Consul prints this error and goes on to write an empty value; taxiway stops instead.
    if ('error' in decoded) return fail(`Error! Cannot base 64 decode data: ${decoded.error}`);
    value = decoded.bytes;
  }
  const session = flags.session ?? '';
  if ((flags.release === true || flags.acquire === true) && session === '') return fail('Error! Missing -session (required with -acquire and -release)');
  if (flags.cas === true && modifyIndex === 0) return fail('Must specify -modify-index with -cas!');
  await withApiClient(flags, (client) => write(client, flags, input.key, session, modifyIndex, { value, flags: kvFlags }));
}

async function write(client: ApiClient, flags: KvPutFlags, key: string, session: string, modifyIndex: number, input: KvWriteInput): Promise<void> {
  if (flags.cas === true) {
    let ok: boolean;
    try {
      ok = await casKv(client, key, modifyIndex, input);
    } catch (error) {
      return fail(`Error! Did not write to ${key}: ${messageOf(error)}`);
    }
    if (!ok) return fail(`Error! Did not write to ${key}: CAS failed`);
    return output(`Success! Data written to: ${key}`);
  }
  if (flags.acquire === true || flags.release === true) {
    const acquire = flags.acquire === true;
    let ok: boolean;
    try {
      ok = acquire ? await acquireKv(client, key, session, input) : await releaseKv(client, key, session, input);
    } catch (error) {
      // Consul prints the key here for -release (a slip); the error says more.
      return fail(`Error! Failed writing data: ${messageOf(error)}`);
    }
    if (!ok) return fail(acquire ? 'Error! Did not acquire lock' : 'Error! Did not release lock');
    return output(acquire ? `Success! Lock acquired on: ${key}` : `Success! Lock released on: ${key}`);
  }
  try {
    await putKv(client, key, input);
  } catch (error) {
    return fail(`Error! Failed writing data: ${messageOf(error)}`);
  }
  output(`Success! Data written to: ${key}`);
}
