// Goal: gossip end to end between real agent processes: a dev server and two clients find each
// other through -retry-join, every agent lists all three members, a user event fired on one
// client reaches every agent, a client killed with SIGKILL gets a critical serfHealth in the
// catalog (its service drops out of ?passing) and shows as failed, and a client that runs
// `taxiway leave` is shown as left and deregistered; servers of two datacenters meet in the WAN
// pool and see each other fail there. Method: three `taxiway agent` processes on
// their own 127.x.y.z addresses (Consul's default ports) with gossip_lan at 200 ms probes; every
// wait has a deadline; the processes are stopped in teardown.

import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { runCli, startAgent, waitFor, writeTempFiles, type DevAgent } from '../helpers/agent-process.js';

const fastGossip = 'gossip_lan {\n  probe_interval = "200ms"\n  probe_timeout = "100ms"\n  gossip_interval = "50ms"\n  suspicion_mult = 2\n}\n';

async function getJson<T>(agent: DevAgent, path: string): Promise<T> {
  const response = await request(`${agent.baseUrl}${path}`);
  return (await response.body.json()) as T;
}

interface Member {
  Name: string;
  Status: number;
  Tags: Record<string, string>;
}

const statusOf = async (agent: DevAgent, node: string): Promise<number | undefined> => (await getJson<Member[]>(agent, '/v1/agent/members')).find((m) => m.Name === node)?.Status;

test('three agents: members, events, a killed client goes critical, a leaving client is deregistered', async (t) => {
  const files = await writeTempFiles({ 'gossip.hcl': fastGossip });
  t.teardown(files.remove);
  const config = join(files.dir, 'gossip.hcl');
  const server = await startAgent(t, ['-node', 'srv', '-config-file', config]);
  const clients: DevAgent[] = [];
  for (const name of ['c1', 'c2']) {
    const dataDir = await mkdtemp(join(tmpdir(), `taxiway-gossip-${name}-`));
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    clients.push(await startAgent(t, ['-node', name, '-data-dir', dataDir, '-retry-join', server.host, '-retry-interval', '1s', '-config-file', config], { dev: false }));
  }
  const [c1, c2] = clients as [DevAgent, DevAgent];
  const all = [server, c1, c2];
  await waitFor('every agent sees three alive members', async () => {
    for (const agent of all) {
      const members = await getJson<Member[]>(agent, '/v1/agent/members');
      if (members.length !== 3 || members.some((m) => m.Status !== 1)) return false;
    }
    return true;
  });
  const serverTags = (await getJson<Member[]>(c2, '/v1/agent/members')).find((m) => m.Name === 'srv')?.Tags;
  t.is(serverTags?.role, 'consul');
  t.is(serverTags?.dc, 'dc1');

  // A service on c2, registered in the catalog (clients have no server RPC yet), passes while c2 lives.
  const register = await request(`${server.baseUrl}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: 'c2', Address: c2.host, Service: { Service: 'web', Port: 80 } }) });
  t.is(register.statusCode, 200);
  await register.body.dump();
  await waitFor('web passing', async () => (await getJson<unknown[]>(server, '/v1/health/service/web?passing')).length === 1);

  const fired = await request(`${c1.baseUrl}/v1/event/fire/deploy`, { method: 'PUT', body: 'v2' });
  t.is(fired.statusCode, 200);
  await fired.body.dump();
  await waitFor('the event on every agent', async () => {
    for (const agent of all) {
      const events = await getJson<{ Name: string }[]>(agent, '/v1/event/list?name=deploy');
      if (events.length !== 1) return false;
    }
    return true;
  });

  await c2.stop('SIGKILL');
  await waitFor('c2 failed with a critical serfHealth', async () => {
    const checks = await getJson<{ CheckID: string; Status: string }[]>(server, '/v1/health/node/c2');
    return checks.some((check) => check.CheckID === 'serfHealth' && check.Status === 'critical') && (await statusOf(server, 'c2')) === 4;
  });
  t.deepEqual(await getJson<unknown[]>(server, '/v1/health/service/web?passing'), []);

  const left = await runCli(['leave', '-http-addr', c1.httpAddress]);
  t.is(left.code, 0, left.stderr);
  await waitFor('c1 left and deregistered', async () => (await statusOf(server, 'c1')) === 3 && (await getJson<unknown[]>(server, '/v1/health/node/c1')).length === 0);
  const members = await runCli(['members', '-http-addr', server.httpAddress]);
  t.regex(members.stdout, /c1\s+\S+\s+left\s+client/);
  t.regex(members.stdout, /c2\s+\S+\s+failed\s+client/);
});

test('servers of two datacenters meet in the WAN pool, not in each other\'s LAN pool', async (t) => {
  const files = await writeTempFiles({ 'gossip.hcl': `${fastGossip}${fastGossip.replace('gossip_lan', 'gossip_wan')}` });
  t.teardown(files.remove);
  const config = join(files.dir, 'gossip.hcl');
  const dc1 = await startAgent(t, ['-node', 's1', '-config-file', config]);
  const dc2 = await startAgent(t, ['-node', 's2', '-datacenter', 'dc2', '-join-wan', dc1.host, '-config-file', config]);
  const wanNames = async (agent: DevAgent): Promise<string[]> => (await getJson<Member[]>(agent, '/v1/agent/members?wan')).filter((m) => m.Status === 1).map((m) => m.Name).sort();
  await waitFor('both servers in the WAN pool', async () => (await wanNames(dc1)).join() === 's1.dc1,s2.dc2' && (await wanNames(dc2)).join() === 's1.dc1,s2.dc2');
  t.deepEqual((await getJson<Member[]>(dc1, '/v1/agent/members')).map((m) => m.Name), ['s1']);
  const wanView = await runCli(['members', '-wan', '-http-addr', dc1.httpAddress]);
  t.regex(wanView.stdout, /s2\.dc2\s+\S+\s+alive\s+server\s+\S+\s+2\s+dc2/);
  await dc2.stop('SIGKILL');
  await waitFor('s2 failed in the WAN pool', async () => (await getJson<Member[]>(dc1, '/v1/agent/members?wan')).find((m) => m.Name === 's2.dc2')?.Status === 4);
});
