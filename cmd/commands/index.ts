// The client subcommands (everything but `agent`), which talk to an agent's HTTP API through
// src/api, or (version) to nobody. One file per command group.

import type { Command } from 'commander';
import { registerCatalogCommands } from './catalog.js';
import { registerConfigCommands } from './config.js';
import { registerConnectCaCommands } from './connect-ca.js';
import { registerEventCommand } from './event.js';
import { registerInfoCommand } from './info.js';
import { registerIntentionCommands } from './intention.js';
import { registerKeyringCommands } from './keyring.js';
import { registerKvCommands } from './kv.js';
import { registerLockCommand } from './lock.js';
import { registerMaintCommand } from './maint.js';
import { registerMembersCommands } from './members.js';
import { registerOperatorCommands } from './operator.js';
import { registerReloadCommand } from './reload.js';
import { registerServicesCommands } from './services.js';
import { registerSnapshotCommands } from './snapshot.js';
import { registerVersionCommand } from './version.js';
import { registerWatchCommand } from './watch.js';

export function registerClientCommands(program: Command): void {
  registerCatalogCommands(program);
  registerConnectCaCommands(program);
  registerConfigCommands(program);
  registerIntentionCommands(program);
  registerServicesCommands(program);
  registerMaintCommand(program);
  registerReloadCommand(program);
  registerInfoCommand(program);
  registerVersionCommand(program);
  registerKvCommands(program);
  registerLockCommand(program);
  registerWatchCommand(program);
  registerEventCommand(program);
  registerSnapshotCommands(program);
  registerMembersCommands(program);
  registerKeyringCommands(program);
  registerOperatorCommands(program);
}
