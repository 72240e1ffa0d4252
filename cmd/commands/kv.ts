// `taxiway kv get|put|delete|export|import`: the KV store from the command line, as Consul's
// command/kv/*. One file per subcommand; this one only groups them.

import type { Command } from 'commander';
import { registerKvDeleteCommand } from './kv-delete.js';
import { registerKvGetCommand } from './kv-get.js';
import { registerKvPutCommand } from './kv-put.js';
import { registerKvTransferCommands } from './kv-transfer.js';

export function registerKvCommands(program: Command): void {
  const kv = program.command('kv').description('Interact with the key-value store');
  registerKvGetCommand(kv);
  registerKvPutCommand(kv);
  registerKvDeleteCommand(kv);
  registerKvTransferCommands(kv);
}
