#!/usr/bin/env node
// The taxiway command line: commander, with Consul's single-dash flags (`-dev`, `-http-addr=...`)
// accepted beside double-dash ones. This file only assembles the subcommands; each lives in
// cmd/commands/<name>.ts and exports register(program).

import { Command, CommanderError } from 'commander';
import { longOptionNamesOf, normalizeSingleDashFlags } from './argv.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerClientCommands } from './commands/index.js';

function buildProgram(): Command {
  const program = new Command('taxiway')
    .description('A Consul-compatible service registry and service mesh')
    .showHelpAfterError()
    .exitOverride();
  registerAgentCommand(program);
  registerClientCommands(program);
  return program;
}

/** The subcommand the arguments name (deepest match, e.g. `catalog nodes`), to know its flags. */
function targetCommand(program: Command, args: readonly string[]): Command {
  let current = program;
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const next = current.commands.find((command) => command.name() === arg || command.aliases().includes(arg));
    if (next === undefined) break;
    current = next;
  }
  return current;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const target = targetCommand(program, argv);
  const { names, takingValue, booleans } = longOptionNamesOf(target);
  names.add('help');
  const args = normalizeSingleDashFlags(argv, names, takingValue, booleans).map((arg) => (arg === '-h' || arg === '-help' ? '--help' : arg));
  try {
    await program.parseAsync(args, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
