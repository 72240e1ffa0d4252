// Operator tools against a real three-server cluster: list-peers shows three voters and the
// leader, transfer-leader moves leadership, remove-peer takes a stopped server out of Raft, and
// autopilot adds it back (non-voter, then voter after ServerStabilizationTime) when it restarts.

import test from 'ava';
import { runCli } from '../helpers/agent-process.js';
import { eventually, getJson, startCluster } from '../helpers/cluster.js';

interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
}

async function raftServers(url: string): Promise<RaftServer[] | undefined> {
  const reply = (await getJson(`${url}/v1/operator/raft/configuration`)) as { Servers: RaftServer[] } | undefined;
  return reply?.Servers;
}

test('list-peers, transfer-leader, remove-peer and autopilot bringing a restarted server back', async (t) => {
  const cluster = await startCluster(t, { servers: 3 });
  const leader = await cluster.waitForLeader();
  const url = cluster.url(leader);
  const httpAddr = `-http-addr=${leader.host}:8500`;

  const peers = await runCli(['operator', 'raft', 'list-peers', httpAddr]);
  t.is(peers.code, 0, peers.stderr);
  for (const server of cluster.servers) t.regex(peers.stdout, new RegExp(`${server.name}\\s+\\S+\\s+${server.host.replace(/\./g, '\\.')}:8300\\s+(leader|follower)\\s+true`));

  // Autopilot: promote after 1 s of health instead of 10 s.
  const set = await runCli(['operator', 'autopilot', 'set-config', '-server-stabilization-time=1s', httpAddr]);
  t.is(set.stdout.trim(), 'Configuration updated!', set.stderr);
  const config = await runCli(['operator', 'autopilot', 'get-config', httpAddr]);
  t.regex(config.stdout, /ServerStabilizationTime = 1s/);

  // Transfer leadership to a named follower.
  const servers = (await raftServers(url)) ?? [];
  const target = servers.find((server) => !server.Leader);
  if (target === undefined) return t.fail('no follower');
  const transfer = await runCli(['operator', 'raft', 'transfer-leader', `-id=${target.ID}`, httpAddr]);
  t.is(transfer.stdout.trim(), 'Success', transfer.stderr);
  const newLeader = await cluster.waitForLeader();
  t.is(`${newLeader.host}:8300`, target.Address);

  // Stop a follower and remove it from Raft.
  const victim = cluster.servers.find((server) => server !== newLeader);
  if (victim === undefined) return t.fail('no victim');
  await cluster.stop(victim, 'SIGKILL');
  const newUrl = cluster.url(newLeader);
  const remove = await runCli(['operator', 'raft', 'remove-peer', `-address=${victim.host}:8300`, `-http-addr=${newLeader.host}:8500`]);
  t.is(remove.stdout.trim(), `Removed peer with address "${victim.host}:8300"`, remove.stderr);
  t.is((await raftServers(newUrl))?.length, 2);
  const missing = await fetch(`${newUrl}/v1/operator/raft/peer?address=${victim.host}:8300`, { method: 'DELETE' });
  t.is(missing.status, 404);

  // It restarts, says hello, and autopilot adds it back: first as a non-voter, then as a voter.
  await cluster.start(victim);
  const back = await eventually('the restarted server to be a voter again', async () => {
    const current = await raftServers(newUrl);
    const entry = current?.find((server) => server.Address === `${victim.host}:8300`);
    return entry?.Voter === true ? current : undefined;
  }, 40_000);
  t.is(back.length, 3);
  const health = await fetch(`${newUrl}/v1/operator/autopilot/health`);
  const body = (await health.json()) as { Servers: unknown[]; FailureTolerance: number };
  t.is(body.Servers.length, 3);
});
