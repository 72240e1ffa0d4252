// `taxiway connect ca get-config|set-config`: read and change the mesh CA's configuration
// (Consul's command/connect/ca/{get,set}). get-config prints the configuration as indented JSON;
// set-config PUTs a JSON file (a change of key type or size rotates the root).

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ClientFlags } from '../../src/api/index.js';
import { registerConnectProxyCommand } from './connect-proxy.js';
import { addConnectionFlags, expectNoArguments, fail, messageOf, output, withApiClient } from './client-options.js';

function registerGetConfig(ca: Command): void {
  addConnectionFlags(ca.command('get-config').description('Display the current Connect Certificate Authority (CA) configuration'), { server: true })
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<unknown>('/v1/connect/ca/configuration');
          output(JSON.stringify(value, null, 2));
        } catch (error) {
          fail(`Error request CA configuration: ${messageOf(error)}`);
        }
      });
    });
}

function registerSetConfig(ca: Command): void {
  addConnectionFlags(ca.command('set-config').description('Modify the current Connect CA configuration'), { server: false })
    .option('--config-file <path>', 'The path to the config file to use')
    .option('--force-without-cross-signing', 'Ignore the CA provider cross-signing support (accepted; the built-in CA always cross-signs)')
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags & { configFile?: string; forceWithoutCrossSigning?: boolean }, command: Command) => {
      if (!expectNoArguments(command)) return;
      if (flags.configFile === undefined || flags.configFile === '') return fail('-config-file is required');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readFile(flags.configFile, 'utf8')) as Record<string, unknown>;
      } catch (error) {
        return fail(`Error parsing the config file: ${messageOf(error)}`);
      }
      if (flags.forceWithoutCrossSigning === true) body = { ...body, ForceWithoutCrossSigning: true };
      await withApiClient(flags, async (client) => {
        try {
          await client.write('PUT', '/v1/connect/ca/configuration', { body });
          output('Configuration updated!');
        } catch (error) {
          fail(`Error setting CA configuration: ${messageOf(error)}`);
        }
      });
    });
}

export function registerConnectCaCommands(program: Command): void {
  const connect = program.command('connect').description('Interact with Consul Connect');
  const ca = connect.command('ca').description('Interact with the Consul Connect Certificate Authority (CA)');
  registerGetConfig(ca);
  registerSetConfig(ca);
  registerConnectProxyCommand(connect);
}
