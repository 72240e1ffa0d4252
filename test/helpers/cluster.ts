// Real clusters for tests: N server agents (`taxiway agent -server -bootstrap-expect N`), each a
// process on its own loopback address with its own data dir, joined by -retry-join, plus client
// agents. Servers can be killed (-9), stopped and restarted on the same address and data dir.
// Everything is stopped and removed when the test ends, also on failure. Waits have deadlines.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { type DevAgent, freeLoopbackAddress, startOn } from './agent-process.js';

export interface ClusterAgent {
  readonly host: string;
  readonly name: string;
  readonly dataDir: string;
  /** The running process; undefined while stopped. */
  agent: DevAgent | undefined;
  readonly args: readonly string[];
}

export interface TestCluster {
  readonly servers: ClusterAgent[];
  readonly clients: ClusterAgent[];
  /** http://host:8500 of a running agent. */
  url(agent: ClusterAgent): string;
  /** Starts a stopped agent again on its address and data dir. */
  start(agent: ClusterAgent): Promise<void>;
  /** SIGKILL (default) or SIGTERM, then waits for the exit. */
  stop(agent: ClusterAgent, signal?: NodeJS.Signals): Promise<void>;
  /** Waits until every running server names the same leader; returns the leader's agent. */
  waitForLeader(deadlineMs?: number): Promise<ClusterAgent>;
}

const retryInterval = '200ms';

/** GET a JSON body from `url`, or undefined when the agent does not answer (yet). */
export async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `probe` until it returns a value, or fails after `deadlineMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 20_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startCluster(t: ExecutionContext, options: { servers: number; clients?: number; extraArgs?: readonly string[] }): Promise<TestCluster> {
  const root = await mkdtemp(join(tmpdir(), 'taxiway-cluster-'));
  const hosts: string[] = [];
  for (let i = 0; i < options.servers + (options.clients ?? 0); i++) hosts.push(await freeLoopbackAddress(8300));
  const serverHosts = hosts.slice(0, options.servers);
  const join_ = serverHosts.flatMap((host) => ['-retry-join', host]);
  const common = ['-dns-port', '-1', '-retry-interval', retryInterval, ...join_, ...(options.extraArgs ?? [])];
  const make = (host: string, index: number, server: boolean): ClusterAgent => {
    const name = server ? `server-${index + 1}` : `client-${index + 1}`;
    const dataDir = join(root, name);
    const args = [...(server ? ['-server', '-bootstrap-expect', String(options.servers)] : []), '-node', name, '-data-dir', dataDir, ...common];
    return { host, name, dataDir, agent: undefined, args };
  };
  const servers = serverHosts.map((host, index) => make(host, index, true));
  const clients = hosts.slice(options.servers).map((host, index) => make(host, index, false));
  const cluster: TestCluster = {
    servers,
    clients,
    url: (agent) => `http://${agent.host}:8500`,
    start: async (agent) => {
      agent.agent = await startOn(agent.host, agent.args, false);
    },
    stop: async (agent, signal = 'SIGKILL') => {
      await agent.agent?.stop(signal);
      agent.agent = undefined;
    },
    waitForLeader: (deadlineMs = 20_000) =>
      eventually(
        'one leader named by every running server',
        async () => {
          const running = servers.filter((server) => server.agent !== undefined);
          const leaders = await Promise.all(running.map((server) => getJson(`${cluster.url(server)}/v1/status/leader`)));
          const first = leaders[0];
          if (typeof first !== 'string' || first === '' || leaders.some((leader) => leader !== first)) return undefined;
          return servers.find((server) => `${server.host}:8300` === first);
        },
        deadlineMs,
      ),
  };
  t.teardown(async () => {
    await Promise.all([...servers, ...clients].map((agent) => cluster.stop(agent, 'SIGKILL')));
    await rm(root, { recursive: true, force: true });
  });
  await Promise.all([...servers, ...clients].map((agent) => cluster.start(agent)));
  return cluster;
}
