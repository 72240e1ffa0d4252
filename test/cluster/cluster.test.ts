// A real three-server cluster (separate processes on their own loopback addresses, Raft over the
// RPC port, WALs in their own data dirs) and a client agent: writes through any agent replicate
// to every server, reads honour the consistency modes, a killed leader is replaced and a killed
// server (or the whole cluster) comes back with every acknowledged write.

import test from 'ava';
import { eventually, getJson, startCluster, type TestCluster } from '../helpers/cluster.js';

async function put(url: string, body: string): Promise<boolean | undefined> {
  try {
    const response = await fetch(url, { method: 'PUT', body, signal: AbortSignal.timeout(15_000) });
    return response.ok ? ((await response.json()) as boolean) : undefined;
  } catch {
    return undefined;
  }
}

function kvValue(entries: unknown): string | undefined {
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  const value = (entries[0] as { Value: string | null }).Value;
  return value === null ? '' : Buffer.from(value, 'base64').toString('utf8');
}

async function staleValueOn(cluster: TestCluster, index: number, key: string): Promise<string | undefined> {
  const server = cluster.servers[index];
  if (server?.agent === undefined) return undefined;
  return kvValue(await getJson(`${cluster.url(server)}/v1/kv/${key}?stale`));
}

test.serial('three servers elect one leader; writes through any agent replicate; reads honour the consistency modes', async (t) => {
  const cluster = await startCluster(t, { servers: 3, clients: 1 });
  const leader = await cluster.waitForLeader();
  const peers = await getJson(`${cluster.url(leader)}/v1/status/peers`);
  t.deepEqual(peers, cluster.servers.map((server) => `${server.host}:8300`).sort());

  const follower = cluster.servers.find((server) => server !== leader);
  const client = cluster.clients[0];
  if (follower === undefined || client === undefined) return t.fail('no follower or client');
  t.true(await put(`${cluster.url(follower)}/v1/kv/via-follower`, 'f'));
  t.true(await eventually('the client agent to find the servers', () => put(`${cluster.url(client)}/v1/kv/via-client`, 'c')));
  for (let i = 0; i < 3; i++) {
    t.is(await eventually(`via-follower on server ${i + 1}`, () => staleValueOn(cluster, i, 'via-follower')), 'f');
    t.is(await eventually(`via-client on server ${i + 1}`, () => staleValueOn(cluster, i, 'via-client')), 'c');
  }

  // Default and ?consistent reads on a follower are served by the leader: they see the write at once.
  const read = await fetch(`${cluster.url(follower)}/v1/kv/via-client?consistent`);
  t.is(read.status, 200);
  t.is(read.headers.get('x-consul-knownleader'), 'true');
  const stale = await fetch(`${cluster.url(follower)}/v1/kv/via-client?stale`);
  t.is(stale.headers.get('x-consul-knownleader'), 'true');
  t.true(Number(stale.headers.get('x-consul-lastcontact')) < 5_000);

  // A blocking query on a follower (stale) wakes on a write made through another agent.
  const index = Number(stale.headers.get('x-consul-index'));
  const blocked = fetch(`${cluster.url(follower)}/v1/kv/via-client?stale&index=${index}&wait=20s`);
  t.true(await put(`${cluster.url(leader)}/v1/kv/via-client`, 'c2'));
  const woken = await blocked;
  t.true(Number(woken.headers.get('x-consul-index')) > index);
  t.is(kvValue(await woken.json()), 'c2');

  // The client agent's node and the servers' `consul` service are in the catalog.
  const consul = await eventually('three consul instances', async () => {
    const instances = await getJson(`${cluster.url(client)}/v1/catalog/service/consul`);
    return Array.isArray(instances) && instances.length === 3 ? instances : undefined;
  });
  t.is(consul.length, 3);
  await eventually('the client node in the catalog', async () => {
    const nodes = await getJson(`${cluster.url(leader)}/v1/catalog/nodes`);
    return Array.isArray(nodes) && nodes.some((node: { Node: string }) => node.Node === client.name) ? true : undefined;
  });
});

test.serial('kill -9 the leader: another is elected, writes go on, and the old one rejoins with every write', async (t) => {
  const cluster = await startCluster(t, { servers: 3 });
  const leader = await cluster.waitForLeader();
  const survivor = cluster.servers.find((server) => server !== leader);
  if (survivor === undefined) return t.fail('no survivor');
  t.true(await put(`${cluster.url(survivor)}/v1/kv/before`, '1'));

  await cluster.stop(leader, 'SIGKILL');
  const started = Date.now();
  t.true(await eventually('a write after the leader died', () => put(`${cluster.url(survivor)}/v1/kv/after`, '2')));
  t.log(`first write after kill -9 of the leader: ${Date.now() - started} ms`);
  const next = await cluster.waitForLeader();
  t.not(next, leader);

  await cluster.start(leader);
  const index = cluster.servers.indexOf(leader);
  t.is(await eventually('the restarted server to have the old write', () => staleValueOn(cluster, index, 'before')), '1');
  t.is(await eventually('the restarted server to catch up', () => staleValueOn(cluster, index, 'after')), '2');
});

test.serial('kill -9 all three servers and start them: the cluster comes back with every acknowledged write', async (t) => {
  const cluster = await startCluster(t, { servers: 3 });
  const leader = await cluster.waitForLeader();
  const acknowledged: string[] = [];
  for (let i = 0; i < 20; i++) if (await put(`${cluster.url(leader)}/v1/kv/k${i}`, `v${i}`)) acknowledged.push(`k${i}`);
  t.is(acknowledged.length, 20);

  await Promise.all(cluster.servers.map((server) => cluster.stop(server, 'SIGKILL')));
  await Promise.all(cluster.servers.map((server) => cluster.start(server)));
  const back = await cluster.waitForLeader();
  const keys = await eventually('the keys after restart', async () => {
    const listed = await getJson(`${cluster.url(back)}/v1/kv/?keys`);
    return Array.isArray(listed) && listed.length >= 20 ? (listed as string[]) : undefined;
  });
  t.deepEqual([...keys].sort(), [...acknowledged].sort());
  t.true(await put(`${cluster.url(back)}/v1/kv/after-restart`, 'x'));
});
