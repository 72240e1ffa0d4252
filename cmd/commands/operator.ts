// `taxiway operator raft list-peers|remove-peer|transfer-leader` and `taxiway operator autopilot
// get-config|set-config|state`, with Consul's output (command/operator/raft, .../autopilot).

import type { Command } from 'commander';
import type { ClientFlags } from '../../src/api/index.js';
import { parseGoBool } from '../../src/lib/go-bool.js';
import { columnize } from './columns.js';
import { addConnectionFlags, expectNoArguments, fail, messageOf, output, withApiClient } from './client-options.js';

interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
  ProtocolVersion: string;
  LastIndex: number;
}

function registerRaft(operator: Command): void {
  const raft = operator.command('raft').description('Provides cluster-level tools for Consul operators');
  addConnectionFlags(raft.command('list-peers').description('Display the current Raft peer configuration'), { server: true })
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<{ Servers: RaftServer[] }>('/v1/operator/raft/configuration');
          const leaderIndex = value.Servers.find((server) => server.Leader)?.LastIndex ?? 0;
          const rows = value.Servers.map((server) => [
            server.Node,
            server.ID,
            server.Address,
            server.Leader ? 'leader' : 'follower',
            String(server.Voter),
            server.ProtocolVersion,
            String(server.LastIndex),
            server.Leader ? '-' : `${Math.max(0, leaderIndex - server.LastIndex)} commits`,
          ]);
          output(columnize([['Node', 'ID', 'Address', 'State', 'Voter', 'RaftProtocol', 'Commit Index', 'Trails Leader By'], ...rows]));
        } catch (error) {
          fail(`Error getting peers: ${messageOf(error)}`);
        }
      });
    });
  addConnectionFlags(raft.command('remove-peer').description('Remove a Consul server from the Raft configuration'), { server: false })
    .option('--id <id>', 'The ID of the server to remove')
    .option('--address <addr>', 'The address of the server to remove (IP:port)')
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags & { id?: string; address?: string }, command: Command) => {
      if (!expectNoArguments(command)) return;
      const id = flags.id ?? '';
      const address = flags.address ?? '';
      if ((id === '') === (address === '')) return fail('Error removing peer: Exactly one of -id or -address must be given');
      await withApiClient(flags, async (client) => {
        try {
          await client.write('DELETE', '/v1/operator/raft/peer', { query: { params: id !== '' ? { id } : { address } } });
          output(id !== '' ? `Removed peer with id "${id}"` : `Removed peer with address "${address}"`);
        } catch (error) {
          fail(`Error removing peer: ${messageOf(error)}`);
        }
      });
    });
  addConnectionFlags(raft.command('transfer-leader').description('Transfer raft leadership to another node'), { server: false })
    .option('--id <id>', 'The ID of the server to transfer leadership to (default: the most caught-up voter)')
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags & { id?: string }, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        try {
          await client.write('POST', '/v1/operator/raft/transfer-leader', { query: { params: flags.id === undefined ? {} : { id: flags.id } } });
          output('Success');
        } catch (error) {
          fail(`Error transferring leadership: ${messageOf(error)}`);
        }
      });
    });
}

const configLines = ['CleanupDeadServers', 'LastContactThreshold', 'MaxTrailingLogs', 'MinQuorum', 'ServerStabilizationTime', 'RedundancyZoneTag', 'DisableUpgradeMigration', 'UpgradeVersionTag'];

interface SetConfigFlags extends ClientFlags {
  cleanupDeadServers?: string;
  lastContactThreshold?: string;
  maxTrailingLogs?: string;
  minQuorum?: string;
  serverStabilizationTime?: string;
}

/** The current configuration with the flags given applied, or an error message. */
function applyFlags(current: Record<string, unknown>, flags: SetConfigFlags): Record<string, unknown> | string {
  const next = { ...current };
  if (flags.cleanupDeadServers !== undefined) {
    const value = parseGoBool(flags.cleanupDeadServers);
    if (value === undefined) return `invalid value for -cleanup-dead-servers: ${flags.cleanupDeadServers}`;
    next.CleanupDeadServers = value;
  }
  for (const [flag, key] of [
    [flags.maxTrailingLogs, 'MaxTrailingLogs'],
    [flags.minQuorum, 'MinQuorum'],
  ] as const) {
    if (flag === undefined) continue;
    if (!/^\d+$/.test(flag)) return `invalid value for -${key === 'MinQuorum' ? 'min-quorum' : 'max-trailing-logs'}: ${flag}`;
    next[key] = Number(flag);
  }
  if (flags.lastContactThreshold !== undefined) next.LastContactThreshold = flags.lastContactThreshold;
  if (flags.serverStabilizationTime !== undefined) next.ServerStabilizationTime = flags.serverStabilizationTime;
  return next;
}

function registerAutopilot(operator: Command): void {
  const autopilot = operator.command('autopilot').description('Provides tools for modifying Autopilot configuration');
  addConnectionFlags(autopilot.command('get-config').description('Display the current Autopilot configuration'), { server: true })
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<Record<string, unknown>>('/v1/operator/autopilot/configuration');
          output(...configLines.map((key) => `${key} = ${typeof value[key] === 'string' && value[key] === '' ? '""' : String(value[key])}`));
        } catch (error) {
          fail(`Error querying Autopilot configuration: ${messageOf(error)}`);
        }
      });
    });
  addConnectionFlags(autopilot.command('set-config').description('Modify the current Autopilot configuration'), { server: false })
    .option('--cleanup-dead-servers <bool>', 'Controls whether Consul will automatically remove dead servers')
    .option('--last-contact-threshold <duration>', 'Maximum time a server can go without contact from the leader before being unhealthy')
    .option('--max-trailing-logs <n>', 'Maximum number of log entries a server can trail the leader by before being unhealthy')
    .option('--min-quorum <n>', 'Minimum number of voters dead-server cleanup keeps')
    .option('--server-stabilization-time <duration>', 'Minimum time a server must be healthy before it becomes a voter')
    .allowExcessArguments(true)
    .action(async (flags: SetConfigFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<Record<string, unknown>>('/v1/operator/autopilot/configuration');
          const next = applyFlags(value, flags);
          if (typeof next === 'string') return fail(next);
          const done = await client.write<boolean>('PUT', '/v1/operator/autopilot/configuration', { body: next, query: { params: { cas: String(value.ModifyIndex) } } });
          output(done.value === true ? 'Configuration updated!' : 'Configuration could not be atomically updated, please try again');
        } catch (error) {
          fail(`Error setting Autopilot configuration: ${messageOf(error)}`);
        }
      });
    });
  addConnectionFlags(autopilot.command('state').description('Display the current Autopilot state'), { server: true })
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        try {
          const { value } = await client.query<unknown>('/v1/operator/autopilot/state');
          output(JSON.stringify(value, null, 2));
        } catch (error) {
          fail(`Error querying Autopilot state: ${messageOf(error)}`);
        }
      });
    });
}

export function registerOperatorCommands(program: Command): void {
  const operator = program.command('operator').description('Provides cluster-level tools for Consul operators');
  registerRaft(operator);
  registerAutopilot(operator);
}
