// A cluster of RaftDrivers in one process for the driver tests: real WAL directories under one
// temp dir, real loopback TCP (WireServer + WireTransport per node, ports picked by the kernel),
// a SystemClock with small ticks. Everything is torn down when the test ends, pass or fail.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { SystemClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import { type Fsm, RaftDriver, type RaftDriverOptions, RaftRequestError, WireTransport } from '../../src/raft/driver/index.js';
import type { Entry, NodeId } from '../../src/raft/index.js';
import { WireServer } from '../../src/rpc/wire/index.js';

/** Commands are "key=value"; apply returns the entry's index. Remembers every key ever applied. */
export class KvFsm implements Fsm<number> {
  state = new Map<string, string>();
  appliedKeys = new Set<string>();

  apply(entry: Entry): number {
    if (entry.data.length === 0) return entry.index;
    const [key = '', value = ''] = Buffer.from(entry.data).toString('utf8').split('=');
    this.state.set(key, value);
    this.appliedKeys.add(key);
    return entry.index;
  }

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify([...this.state]));
  }

  restore(data: Uint8Array): void {
    this.state = new Map(JSON.parse(Buffer.from(data).toString('utf8')) as [string, string][]);
    for (const key of this.state.keys()) this.appliedKeys.add(key);
  }

  dump(): string {
    return JSON.stringify([...this.state].sort());
  }
}

interface Running {
  driver: RaftDriver<number>;
  transport: WireTransport;
  server: WireServer;
  fsm: KvFsm;
}

export type ClusterSettings = Partial<Pick<RaftDriverOptions<number>, 'snapshotEveryEntries' | 'compactionKeepEntries' | 'log' | 'tickMs' | 'tuning'>>;

export class TestCluster {
  readonly clock = new SystemClock();
  readonly root: string;
  readonly nodes = new Map<NodeId, Running>();
  readonly addresses = new Map<NodeId, string>();
  readonly ids: NodeId[];
  private seed = 1;

  constructor(
    t: ExecutionContext,
    size: number,
    private readonly settings: ClusterSettings = {},
  ) {
    this.root = mkdtempSync(join(tmpdir(), 'taxiway-raftdrv-'));
    this.ids = Array.from({ length: size }, (_, k) => k + 1);
    t.teardown(async () => {
      for (const id of [...this.nodes.keys()]) await this.stop(id);
      rmSync(this.root, { recursive: true, force: true });
    });
  }

  dir(id: NodeId): string {
    return join(this.root, `node-${id}`);
  }

  async startAll(): Promise<void> {
    for (const id of this.ids) await this.start(id);
  }

  /** Starts (or restarts from its directory) node `id` on a fresh port and tells the others. */
  async start(id: NodeId): Promise<RaftDriver<number>> {
    const random = new SeededRandom(this.seed++ * 7919 + id);
    const transport = new WireTransport({ clock: this.clock, random, peers: this.addresses, pool: { backoffMsBase: 20, backoffMsMax: 200 } });
    const server = await WireServer.listen({ host: '127.0.0.1', port: 0, clock: this.clock, protocols: { raft: transport.service() } });
    const address = `127.0.0.1:${server.address().port}`;
    this.addresses.set(id, address);
    for (const other of this.nodes.values()) other.transport.setPeer(id, address);
    const fsm = new KvFsm();
    const driver = await RaftDriver.open<number>({
      id,
      voters: this.ids,
      dir: this.dir(id),
      clock: this.clock,
      random,
      transport,
      fsm,
      tickMs: this.settings.tickMs ?? 15,
      tuning: { electionTicks: 10, heartbeatTicks: 1, ...this.settings.tuning },
      ...(this.settings.snapshotEveryEntries === undefined ? {} : { snapshotEveryEntries: this.settings.snapshotEveryEntries }),
      ...(this.settings.compactionKeepEntries === undefined ? {} : { compactionKeepEntries: this.settings.compactionKeepEntries }),
      ...(this.settings.log === undefined ? {} : { log: this.settings.log }),
    });
    this.nodes.set(id, { driver, transport, server, fsm });
    return driver;
  }

  /** Closes node `id`: driver (files), outgoing and incoming connections. */
  async stop(id: NodeId): Promise<void> {
    const node = this.nodes.get(id);
    if (node === undefined) return;
    this.nodes.delete(id);
    await node.driver.close();
    await node.transport.close();
    await node.server.close();
  }

  node(id: NodeId): Running {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`node ${id} is not running`);
    return node;
  }

  /** The one running leader whose term is the highest, once there is one. */
  async leader(deadlineMs = 10_000): Promise<NodeId> {
    let found: NodeId = 0;
    await waitFor(() => {
      const leaders = [...this.nodes].filter(([, node]) => node.driver.isLeader());
      const top = leaders.sort((a, b) => b[1].driver.status().term - a[1].driver.status().term)[0];
      found = top?.[0] ?? 0;
      return found !== 0;
    }, deadlineMs, 'a leader');
    return found;
  }

  /** Proposes through whichever node leads, retrying refusals until the deadline. */
  async put(key: string, value: string, deadlineMs = 10_000): Promise<number> {
    const startMs = performance.now();
    for (;;) {
      const leader = await this.leader(deadlineMs);
      try {
        return await this.node(leader).driver.propose(Buffer.from(`${key}=${value}`));
      } catch (error) {
        if (!(error instanceof RaftRequestError) || performance.now() - startMs > deadlineMs) throw error;
        await sleepMs(10);
      }
    }
  }

  /** Waits until every running node has applied the same state (and at least `index`). */
  async converged(index: number, deadlineMs = 15_000): Promise<void> {
    await waitFor(() => {
      const nodes = [...this.nodes.values()];
      return nodes.every((node) => node.driver.appliedIndex() >= index && node.fsm.dump() === nodes[0]?.fsm.dump());
    }, deadlineMs, `all nodes applied ≥ ${index} with equal state`);
  }
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 10 ms; throws naming `what` when the deadline passes (no timing asserted). */
export async function waitFor(condition: () => boolean, deadlineMs: number, what: string): Promise<void> {
  const startMs = performance.now();
  while (!condition()) {
    if (performance.now() - startMs > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await sleepMs(10);
  }
}
