// Fault injection against a real cluster of server processes: kill -9 a server and start it again
// on its address and data dir, SIGSTOP the leader for a bounded pause then SIGCONT it, and cut a
// server's links (iptables DROP on its RPC port, in a chain of our own that is removed when the run
// ends, also on failure or exit). One fault at a time; every fault is healed before the next.
// The cut drops every connection the server accepts on 8300 and every packet it sends from its own
// address; the servers dial each other from 127.0.0.1, so connections the isolated server dialled
// itself survive: the cut is asymmetric (the others cannot reach it; its own calls still get out and
// are answered). Without iptables (not root, not installed) a cut is a SIGSTOP of a random server.

import { execFile, execFileSync } from 'node:child_process';
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

/** The iptables chain of this process; jumps from OUTPUT (loopback traffic passes OUTPUT once). */
export class LinkCutter {
  private readonly chain = `TAXIWAY-CHAOS-${process.pid}`;
  private installed = false;
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

  /** Drops every packet to or from `host`'s RPC port, and its own connections to other RPC ports. */
  async isolate(host: string): Promise<void> {
    const rules = [
      ['-d', host, '-p', 'tcp', '--dport', '8300'],
      ['-s', host, '-p', 'tcp', '--sport', '8300'],
      ['-s', host, '-p', 'tcp', '--dport', '8300'],
    ];
    for (const rule of rules) await run('iptables', ['-w', '-A', this.chain, ...rule, '-j', 'DROP']);
  }

  async healAll(): Promise<void> {
    if (this.installed) await run('iptables', ['-w', '-F', this.chain]);
  }

  /** Removes the jump and the chain; safe to call many times and from an exit handler. */
  removeSync(): void {
    const quiet = { stdio: 'ignore' as const };
    for (const args of [['-D', 'OUTPUT', '-j', this.chain], ['-F', this.chain], ['-X', this.chain]]) {
      try {
        execFileSync('iptables', ['-w', ...args], quiet);
      } catch {
        // Already gone.
      }
    }
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
        await this.cluster.start(target);
        return;
      case 'pause-leader':
        this.pause(target);
        await hold();
        this.resume(target);
        return;
      case 'cut-links':
        if (this.links === undefined) this.pause(target);
        else await this.links.isolate(target.host);
        await hold();
        if (this.links === undefined) this.resume(target);
        else await this.links.healAll();
        return;
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
    for (const server of this.cluster.servers) if (server.agent === undefined) await this.cluster.start(server);
  }
}
