// The client subcommands (everything but `agent`), which talk to an agent's HTTP API.

import type { Command } from 'commander';

export function registerClientCommands(_program: Command): void {
  // Filled in as the client commands land.
}
