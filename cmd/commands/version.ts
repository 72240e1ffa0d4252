// `taxiway version`: what this build is and which Consul release's HTTP API and CLI it follows.
// Local only, no agent needed. `-format json` prints the same as a JSON object indented by three
// spaces, as Consul's version command formats its JSON.

import type { Command } from 'commander';
import { consulVersion, taxiwayVersion } from '../../src/version.js';
import { expectNoArguments, fail, output } from './client-options.js';

interface VersionFlags {
  readonly format: string;
}

export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('Prints the taxiway version and the Consul API version it follows')
    .option('--format <format>', 'Output format: pretty or json', 'pretty')
    .allowExcessArguments(true)
    .action((flags: VersionFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      const text = versionText(flags.format);
      if (text === undefined) return fail(`Unknown format: ${flags.format}`);
      output(text);
    });
}

/** The version text in a format, or undefined for an unknown format. */
export function versionText(format: string): string | undefined {
  switch (format) {
    case 'pretty':
      return `taxiway v${taxiwayVersion}\nFollows the HTTP API and CLI of Consul v${consulVersion}`;
    case 'json':
      return JSON.stringify({ Version: taxiwayVersion, ConsulVersion: consulVersion, Revision: '', Prerelease: '' }, null, 3);
    default:
      return undefined;
  }
}
