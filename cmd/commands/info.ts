// `taxiway info`: the agent's debugging statistics from /v1/agent/self's Stats, as Consul's
// command/info prints them: sections in name order, each key in name order as "\t<key> = <value>".

import type { Command } from 'commander';
import { getAgentSelf, type ClientFlags } from '../../src/api/index.js';
import { addConnectionFlags, expectNoArguments, fail, messageOf, output, withApiClient } from './client-options.js';
import { byteOrder } from './columns.js';

export function registerInfoCommand(program: Command): void {
  addConnectionFlags(program.command('info').description('Provides debugging information for operators'), { server: true })
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        let self: Record<string, unknown>;
        try {
          self = (await getAgentSelf(client)).value;
        } catch (error) {
          return fail(`Error querying agent: ${messageOf(error)}`);
        }
        const listing = statsListing(self.Stats);
        if ('error' in listing) return fail(listing.error);
        output(...listing.lines);
      });
    });
}

/** The info text, or Consul's error when Stats is missing or a section is not an object. */
export function statsListing(stats: unknown): { lines: string[] } | { error: string } {
  if (typeof stats !== 'object' || stats === null || Array.isArray(stats)) {
    return { error: `Agent response did not contain 'Stats' key: ${JSON.stringify(stats) ?? 'undefined'}` };
  }
  const lines: string[] = [];
  for (const section of Object.keys(stats).sort(byteOrder)) {
    const values = (stats as Record<string, unknown>)[section];
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      return { error: `Got invalid subkey in stats: ${JSON.stringify(values) ?? 'undefined'}` };
    }
    lines.push(`${section}:`);
    for (const key of Object.keys(values).sort(byteOrder)) {
      lines.push(`\t${key} = ${statText((values as Record<string, unknown>)[key])}`);
    }
  }
  return { lines };
}

/** Consul's values are strings; anything else is shown as its JSON. */
function statText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}
