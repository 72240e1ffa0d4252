// `taxiway agent`: declares Consul's agent flags. The agent itself (and everything it loads) is
// imported only when this command runs, so that client commands start quickly.

import type { Command } from 'commander';
import { defineAgentFlags } from '../../src/agent/config/flags.js';

export function registerAgentCommand(program: Command): void {
  const command = program.command('agent').description('Run a taxiway agent (-dev for an in-memory server on 127.0.0.1)');
  defineAgentFlags(command);
  command.action(async (options: Record<string, unknown>) => {
    const { runAgent } = await import('./agent-run.js');
    process.exitCode = await runAgent(options);
  });
}
