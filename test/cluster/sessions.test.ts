// Sessions and locks across a real cluster (issue 3 once Raft and gossip carry them): three
// servers and two client agents, each a process on its own loopback address. A client agent's
// default session (its node, serfHealth) holds a lock; the other client is refused it. The holder
// is killed with SIGKILL: gossip marks its node failed, the leader turns its serfHealth critical,
// which invalidates the session and releases the lock in the same write, and after the lock-delay
// the other client acquires it. Waits have deadlines; only outcomes are asserted.

import test from 'ava';
import { eventually, getJson, startCluster } from '../helpers/cluster.js';

async function send(method: string, url: string, body?: string): Promise<unknown> {
  try {
    const response = await fetch(url, { method, body, signal: AbortSignal.timeout(15_000) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

interface KvEntry {
  readonly Session?: string;
  readonly LockIndex: number;
}

test.serial('a lock held by a client agent\'s session is released when that agent dies, and another client then takes it', async (t) => {
  t.timeout(180_000);
  const cluster = await startCluster(t, { servers: 3, clients: 2 });
  await cluster.waitForLeader(60_000);
  const [holder, waiter] = cluster.clients;
  if (holder === undefined || waiter === undefined) return t.fail('two clients expected');
  // Each client's session needs its node and serfHealth in the catalog: wait until gossip put them there.
  const created = async (agent: typeof holder): Promise<string | undefined> => {
    const answer = (await send('PUT', `${cluster.url(agent)}/v1/session/create`, JSON.stringify({ LockDelay: '1s', Name: agent.name }))) as { ID?: string } | undefined;
    return answer?.ID;
  };
  const holderSession = await eventually('a default session on the holder', () => created(holder), 60_000);
  const waiterSession = await eventually('a default session on the waiter', () => created(waiter), 60_000);
  const info = (await getJson(`${cluster.url(waiter)}/v1/session/info/${holderSession}`)) as { Node: string; NodeChecks: string[] }[];
  t.is(info[0]?.Node, holder.name);
  t.deepEqual(info[0]?.NodeChecks, ['serfHealth']);

  const lockUrl = (agent: typeof holder, verb: string, session: string): string => `${cluster.url(agent)}/v1/kv/service/web/leader?${verb}=${session}`;
  t.is(await send('PUT', lockUrl(holder, 'acquire', holderSession), holder.name), true);
  t.is(await send('PUT', lockUrl(waiter, 'acquire', waiterSession), waiter.name), false, 'held by the other session');

  await cluster.stop(holder, 'SIGKILL');
  const released = await eventually(
    'the dead holder\'s lock to be released',
    async () => {
      const entries = (await getJson(`${cluster.url(waiter)}/v1/kv/service/web/leader`)) as KvEntry[] | undefined;
      const entry = entries?.[0];
      return entry !== undefined && entry.Session === undefined ? entry : undefined;
    },
    90_000,
  );
  t.is(released.LockIndex, 1, 'released, not deleted (Behavior release)');
  const sessions = (await getJson(`${cluster.url(waiter)}/v1/session/list`)) as { ID: string }[];
  t.false(sessions.some((session) => session.ID === holderSession), 'the holder\'s session was invalidated');
  // The lock-delay (1 s) refuses the waiter for a moment, then it wins.
  t.true(await eventually('the waiter to acquire', async () => ((await send('PUT', lockUrl(waiter, 'acquire', waiterSession), waiter.name)) === true ? true : undefined), 30_000));
  // A stale read answers from the server's own copy, which may lag the leader for a moment: wait for
  // the write to reach every server rather than assert on the first read.
  for (const server of cluster.servers) {
    const entry = await eventually(`the new holder replicated to ${server.name}`, async () => {
      const entries = (await getJson(`${cluster.url(server)}/v1/kv/service/web/leader?stale`)) as KvEntry[] | undefined;
      return entries?.[0]?.Session === waiterSession ? entries[0] : undefined;
    }, 30_000);
    t.is(entry.LockIndex, 2);
  }
});
