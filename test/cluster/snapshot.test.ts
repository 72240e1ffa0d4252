// Goal: a snapshot restore replicates. A file saved through a client agent (forwarded to the
// leader) and restored through a follower (each step forwarded to the leader, staged in
// replicated state) brings every server back to the saved state, with the same indexes.
// Method: a real three-server cluster and a client agent (test/helpers/cluster.ts); stale reads
// on each server show what that server holds.

import test from 'ava';
import { eventually, getJson, startCluster } from '../helpers/cluster.js';

async function put(url: string, body?: string | Buffer): Promise<number> {
  const response = await fetch(url, { method: 'PUT', body, signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  return response.status;
}

test('save through a client agent, restore through a follower: every server holds the saved state', async (t) => {
  const cluster = await startCluster(t, { servers: 3, clients: 1 });
  const leader = await cluster.waitForLeader();
  const follower = cluster.servers.find((server) => server !== leader);
  const client = cluster.clients[0];
  if (follower === undefined || client === undefined) return t.fail('no follower or client');
  const leaderUrl = cluster.url(leader);
  t.is(await put(`${leaderUrl}/v1/kv/snap/a`, 'saved'), 200);
  const saved = await eventually('a snapshot through the client agent', async () => {
    const response = await fetch(`${cluster.url(client)}/v1/snapshot`, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    return response?.status === 200 ? { file: Buffer.from(await response.arrayBuffer()), index: response.headers.get('x-consul-index') } : undefined;
  });
  const savedEntry = await getJson(`${leaderUrl}/v1/kv/snap/a`);
  t.is(await put(`${leaderUrl}/v1/kv/snap/a`, 'changed'), 200);
  t.is(await put(`${leaderUrl}/v1/kv/snap/b`, 'new'), 200);

  t.is(await put(`${cluster.url(follower)}/v1/snapshot`, saved.file), 200);
  for (const server of cluster.servers) {
    const url = cluster.url(server);
    const entry = await eventually(`the restored key on ${server.name}`, async () => {
      const value = await getJson(`${url}/v1/kv/snap/a?stale`);
      return JSON.stringify(value) === JSON.stringify(savedEntry) ? value : undefined;
    });
    t.deepEqual(entry, savedEntry);
    const gone = await fetch(`${url}/v1/kv/snap/b?stale`);
    t.is(gone.status, 404, `snap/b is gone on ${server.name}`);
  }
  // The cluster keeps working after the restore, above the restored indexes.
  t.is(await put(`${cluster.url(follower)}/v1/kv/snap/after`, 'x'), 200);
  const after = await fetch(`${leaderUrl}/v1/kv/snap/after`);
  t.true(Number(after.headers.get('x-consul-index')) > Number(saved.index));
});
