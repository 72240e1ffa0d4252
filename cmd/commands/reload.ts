// `taxiway reload`: ask the agent to re-read its configuration files (Consul's command/reload).

import type { Command } from 'commander';
import { reloadAgent, type ClientFlags } from '../../src/api/index.js';
import { addConnectionFlags, expectNoArguments, fail, messageOf, output, withApiClient } from './client-options.js';

export function registerReloadCommand(program: Command): void {
  addConnectionFlags(program.command('reload').description("Triggers the agent's configuration reload"), { server: true })
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        try {
          await reloadAgent(client);
        } catch (error) {
          return fail(`Error reloading: ${messageOf(error)}`);
        }
        output('Configuration reload triggered');
      });
    });
}
