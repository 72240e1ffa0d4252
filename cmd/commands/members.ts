// `taxiway members [-wan] [-detailed] [-status <regexp>] [-segment <name>]`, `taxiway join [-wan] <addr>...`,
// `taxiway leave`, `taxiway force-leave [-prune] <node>` (Consul's command/members, join, leave,
// forceleave). members prints Consul's columns so scripts that parse it keep working.

import type { Command } from 'commander';
import { forceLeaveMember, joinAgent, leaveAgent, listMembers, memberStatusNames, type AgentMember, type ClientFlags } from '../../src/api/index.js';
import { addConnectionFlags, expectNoArguments, fail, messageOf, output, withApiClient } from './client-options.js';
import { columnize } from './columns.js';

interface MembersFlags extends ClientFlags {
  readonly wan?: boolean;
  readonly detailed?: boolean;
  readonly status?: string;
  readonly segment?: string;
}

function statusName(member: AgentMember): string {
  return memberStatusNames[member.Status] ?? 'unknown';
}

/** Consul's standard layout: Node, Address, Status, Type, Build, Protocol, DC, Partition, Segment. */
export function membersTable(members: readonly AgentMember[]): string {
  const rows = [['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC', 'Partition', 'Segment']];
  for (const m of members) {
    const server = m.Tags.role === 'consul';
    const build = (m.Tags.build ?? '').split(':')[0] ?? '';
    const segment = server ? '<all>' : m.Tags.segment === undefined || m.Tags.segment === '' ? '<default>' : m.Tags.segment;
    rows.push([m.Name, `${m.Addr}:${m.Port}`, statusName(m), server ? 'server' : 'client', build, m.Tags.vsn ?? '', m.Tags.dc ?? '', 'default', segment]);
  }
  return columnize(rows);
}

/** -detailed: Node, Address, Status, Tags (sorted key=value pairs). */
export function membersDetailed(members: readonly AgentMember[]): string {
  const rows = [['Node', 'Address', 'Status', 'Tags']];
  for (const m of members) {
    const tags = Object.keys(m.Tags)
      .sort()
      .map((key) => `${key}=${m.Tags[key] ?? ''}`)
      .join(',');
    rows.push([m.Name, `${m.Addr}:${m.Port}`, statusName(m), tags]);
  }
  return columnize(rows);
}

async function runMembers(flags: MembersFlags, command: Command): Promise<void> {
  if (!expectNoArguments(command)) return;
  let statusFilter: RegExp;
  try {
    statusFilter = new RegExp(flags.status ?? '.*');
  } catch (error) {
    return fail(`Failed to compile status regexp: ${messageOf(error)}`);
  }
  await withApiClient(flags, async (client) => {
    let members: AgentMember[];
    try {
      members = await listMembers(client, { wan: flags.wan === true, ...(flags.segment === undefined ? {} : { segment: flags.segment }) });
    } catch (error) {
      return fail(`Error retrieving members: ${messageOf(error)}`);
    }
    const shown = members.filter((m) => statusFilter.test(statusName(m))).sort((a, b) => a.Name.localeCompare(b.Name));
    // Consul exits 2 when the filter leaves nothing to show.
    if (shown.length === 0) {
      process.exitCode = 2;
      return;
    }
    output(flags.detailed === true ? membersDetailed(shown) : membersTable(shown));
  });
}

export function registerMembersCommands(program: Command): void {
  addConnectionFlags(program.command('members').description('Lists the members of a Consul cluster'), { server: false })
    .option('--wan', 'List the members of the WAN pool (servers only)')
    .option('--detailed', 'Show every tag of each member')
    .option('--status <regexp>', 'Only members whose status (alive, leaving, left, failed) matches')
    .option('--segment <name>', 'Only members of this network segment (_all for every one)')
    .allowExcessArguments(true)
    .action((flags: MembersFlags, command: Command) => runMembers(flags, command));

  addConnectionFlags(program.command('join').description('Tell the agent to join a cluster').argument('<address...>'), { server: false })
    .option('--wan', 'Join the WAN pool (servers only)')
    .action(async (addresses: string[], flags: ClientFlags & { wan?: boolean }) => {
      await withApiClient(flags, async (client) => {
        let joined = 0;
        for (const address of addresses) {
          try {
            await joinAgent(client, address, flags.wan === true);
            joined += 1;
          } catch (error) {
            process.stderr.write(`Error joining address '${address}': ${messageOf(error)}\n`);
          }
        }
        if (joined === 0) return fail('Failed to join any nodes.');
        output(`Successfully joined cluster by contacting ${joined} nodes.`);
      });
    });

  addConnectionFlags(program.command('leave').description('Gracefully leaves the cluster and shuts down the agent'), { server: false })
    .allowExcessArguments(true)
    .action(async (flags: ClientFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, async (client) => {
        try {
          await leaveAgent(client);
        } catch (error) {
          return fail(`Error leaving: ${messageOf(error)}`);
        }
        output('Graceful leave complete');
      });
    });

  addConnectionFlags(program.command('force-leave').description('Forces a member of the cluster to enter the "left" state').argument('<node>'), { server: false })
    .option('--prune', 'Remove the member from the list of members at once')
    .action(async (node: string, flags: ClientFlags & { prune?: boolean }) => {
      await withApiClient(flags, async (client) => {
        try {
          await forceLeaveMember(client, node, flags.prune === true);
        } catch (error) {
          return fail(`Error force leaving: ${messageOf(error)}`);
        }
      });
    });
}
