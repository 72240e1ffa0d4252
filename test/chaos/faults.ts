// Fault injection against a real cluster of server processes: kill -9 a server and start it again
// on its address and data dir, SIGSTOP the leader for a bounded pause then SIGCONT it, and cut a
// server's links (iptables DROP on its RPC port, in a chain of our own that is removed when the run
// ends, also on failure or exit). One fault at a time; every fault is healed before the next.
// Without iptables (not root, not installed) a cut is a SIGSTOP of a random server.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Random } from '../../src/lib/random.js';
import type { ClusterAgent, TestCluster } from '../helpers/cluster.js';

const run = promisify(execFile);

export type FaultKind = 'kill' | 'kill-leader' | 'pause-leader' | 'cut-links';

export interface FaultRecord {
  readonly kind: FaultKind;
  readonly target: string;
  readonly atMs: number;
  readonly holdMs: number;
}

/** The cgroup v2 tree: under unified/ on hybrid hosts, the root itself on pure v2 hosts. */
const cgroupRoot = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';

/** Where a process sits in the cgroup v2 tree ("0::/path" in /proc/<pid>/cgroup). */
function cgroupOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
  return line?.slice(3) ?? '/';
}

/** The local ports of `pid`'s established connections to some RPC port (8300). */
async function outboundRpcPorts(pid: number): Promise<string[]> {
  const { stdout } = await run('ss', ['-tnpH', 'state', 'established', '( dport = :8300 )']);
  return stdout
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => /:(\d+)\s+\S+:8300\b/.exec(line)?.[1])
    .filter((port): port is string => port !== undefined);
}

interface Moved {
  readonly pid: number;
  readonly from: string;
  readonly name: string;
}

/**
 * Link cuts with iptables, in a chain of this process jumped to from OUTPUT (loopback traffic passes
 * OUTPUT once). Servers dial each other from 127.0.0.1, so an isolated server is found three ways:
 * its own address (every connection it accepts on 8300), the local ports of the connections it has
 * dialled, and a cgroup v2 it is moved into for the cut (connections it dials during the cut). When
 * the cgroup tree is not there the cut is asymmetric for redials: say so in the report.
 */
export class LinkCutter {
  private readonly chain = `TAXIWAY-CHAOS-${process.pid}`;
  private installed = false;
  private readonly moved: Moved[] = [];
  private readonly onExit = (): void => this.removeSync();

  /** Creates the chain; false when iptables is missing or not permitted (the caller falls back). */
  async install(): Promise<boolean> {
    try {
      await run('iptables', ['-w', '-N', this.chain]);
      this.installed = true;
      process.on('exit', this.onExit);
      await run('iptables', ['-w', '-I', 'OUTPUT', '-j', this.chain]);
      return true;
    } catch {
      this.removeSync();
      return false;
    }
  }

  get symmetric(): boolean {
    return existsSync(join(cgroupRoot, 'cgroup.procs')) && existsSync(join(cgroupRoot, 'cgroup.subtree_control'));
  }

  /** Drops every packet between the server (`host`, process `pid`) and every RPC port. */
  async isolate(host: string, pid: number): Promise<void> {
    const rules = [
      ['-d', host, '-p', 'tcp', '--dport', '8300'],
      ['-s', host, '-p', 'tcp', '--sport', '8300'],
    ];
    if (this.symmetric) {
      const name = `taxiway-chaos-${process.pid}-${pid}`;
      const from = cgroupOf(pid);
      mkdirSync(join(cgroupRoot, name), { recursive: true });
      this.moved.push({ pid, from, name });
      writeFileSync(join(cgroupRoot, name, 'cgroup.procs'), String(pid));
      rules.push(['-m', 'cgroup', '--path', name, '-p', 'tcp', '--dport', '8300']);
    }
    for (const port of await outboundRpcPorts(pid)) rules.push(['-p', 'tcp', '--sport', port, '--dport', '8300'], ['-p', 'tcp', '--sport', '8300', '--dport', port]);
    for (const rule of rules) await run('iptables', ['-w', '-A', this.chain, ...rule, '-j', 'DROP']);
  }

  async healAll(): Promise<void> {
    if (this.installed) await run('iptables', ['-w', '-F', this.chain]);
    this.restoreCgroups();
  }

  private restoreCgroups(): void {
    for (const { pid, from, name } of this.moved.splice(0)) {
      try {
        writeFileSync(join(cgroupRoot, from, 'cgroup.procs'), String(pid));
      } catch {
        // The process is gone (killed while cut): the cgroup is empty already.
      }
      try {
        rmdirSync(join(cgroupRoot, name));
      } catch {
        // Already removed.
      }
    }
  }

  /** Removes the jump, the chain and our cgroups; safe to call many times and from an exit handler. */
  removeSync(): void {
    const quiet = { stdio: 'ignore' as const };
    for (const args of [['-D', 'OUTPUT', '-j', this.chain], ['-F', this.chain], ['-X', this.chain]]) {
      try {
        execFileSync('iptables', ['-w', ...args], quiet);
      } catch {
        // Already gone.
      }
    }
    this.restoreCgroups();
    this.installed = false;
    process.off('exit', this.onExit);
  }
}

async function leaderAddress(cluster: TestCluster): Promise<string | undefined> {
  for (const server of cluster.servers) {
    if (server.agent === undefined) continue;
    try {
      const response = await fetch(`${cluster.url(server)}/v1/status/leader`, { signal: AbortSignal.timeout(1_000) });
      const leader = (await response.json()) as string;
      if (response.ok && leader !== '') return leader;
    } catch {
      // Down, paused or cut: ask the next one.
    }
  }
  return undefined;
}

export async function findLeader(cluster: TestCluster): Promise<ClusterAgent | undefined> {
  const address = await leaderAddress(cluster);
  return cluster.servers.find((server) => `${server.host}:8300` === address && server.agent !== undefined);
}

export class FaultInjector {
  readonly injected: FaultRecord[] = [];
  private readonly paused = new Set<ClusterAgent>();

  constructor(
    private readonly cluster: TestCluster,
    private readonly random: Random,
    private readonly links: LinkCutter | undefined,
    private readonly elapsedMs: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** One fault: choose, inject, hold, heal. Returns after the heal. */
  async injectOne(): Promise<void> {
    // Without iptables a link cut falls back to SIGSTOP of a random server (its links go silent).
    const kinds: FaultKind[] = ['kill', 'kill-leader', 'pause-leader', 'cut-links'];
    const kind = kinds[this.random.int(kinds.length)] ?? 'kill';
    const holdMs = 1_000 + this.random.int(kind === 'pause-leader' ? 4_000 : 3_000);
    const pick = this.random.int(this.cluster.servers.length);
    const target = kind === 'kill' || kind === 'cut-links' ? this.cluster.servers[pick] : await findLeader(this.cluster);
    if (target?.agent === undefined) return this.log(`${this.elapsedMs()} ms: ${kind}: no target (no leader known), skipped`);
    this.injected.push({ kind, target: target.name, atMs: this.elapsedMs(), holdMs });
    this.log(`${this.elapsedMs()} ms: ${kind} ${target.name} (${target.host}) for ${holdMs} ms`);
    await this.apply(kind, target, holdMs);
    this.log(`${this.elapsedMs()} ms: healed ${kind} ${target.name}`);
  }

  private async apply(kind: FaultKind, target: ClusterAgent, holdMs: number): Promise<void> {
    const hold = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, holdMs));
    switch (kind) {
      case 'kill':
      case 'kill-leader':
        await this.cluster.stop(target, 'SIGKILL');
        await hold();
        await this.restart(target);
        return;
      case 'pause-leader':
        this.pause(target);
        await hold();
        this.resume(target);
        return;
      case 'cut-links':
        if (this.links === undefined) this.pause(target);
        else await this.links.isolate(target.host, target.agent?.child.pid ?? 0);
        await hold();
        if (this.links === undefined) this.resume(target);
        else await this.links.healAll();
        return;
    }
  }

  /** Starts a killed server again; on a loaded box a start can miss its deadline, so try thrice. */
  private async restart(target: ClusterAgent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.cluster.start(target);
      } catch (error) {
        if (attempt === 3) throw error;
        this.log(`${this.elapsedMs()} ms: restart of ${target.name} failed (attempt ${attempt}), again: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }

  private pause(target: ClusterAgent): void {
    target.agent?.child.kill('SIGSTOP');
    this.paused.add(target);
  }

  private resume(target: ClusterAgent): void {
    target.agent?.child.kill('SIGCONT');
    this.paused.delete(target);
  }

  /** Undoes everything: continue paused servers, heal links, start stopped servers. */
  async healAll(): Promise<void> {
    for (const target of [...this.paused]) this.resume(target);
    await this.links?.healAll();
    for (const server of this.cluster.servers) if (server.agent === undefined) await this.restart(server);
  }
}
