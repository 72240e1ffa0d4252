// RaftLog: the command log of a server in a cluster. A command is encoded as for the in-process
// log, proposed to the Raft driver, and resolves with the FSM's result once its entry committed
// and applied here. The same object answers Leadership from the driver: who leads (by Raft id,
// turned into an RPC address by the PeerBook), when the leader was last heard from, and ReadIndex
// barriers for ?consistent reads. Only the leader proposes: the router (forward.ts) sends every
// write to it, so a proposal refused here means leadership moved in between (no_leader; callers
// retry through the router).

import { type Command, encodeCommand } from '../../catalog/commands.js';
import type { ApplyResult, Fsm as CatalogFsm } from '../../catalog/fsm.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { TaxiwayError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import { RaftDriver } from '../../raft/driver/driver.js';
import type { Fsm as RaftFsm } from '../../raft/driver/transport.js';
import type { WireTransport } from '../../raft/driver/wire-transport.js';
import type { ConfigChange, NodeId } from '../../raft/messages.js';
import type { CommandLog } from '../command-log.js';
import type { Leadership } from '../leadership.js';
import type { PeerBook } from './peer-book.js';
import { loadBootstrapVoters, saveBootstrapVoters } from './raft-state.js';

export interface RaftLogOptions {
  readonly id: NodeId;
  readonly dir: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly transport: WireTransport;
  readonly peers: PeerBook;
  readonly fsm: CatalogFsm;
  /** The whole state as bytes and back (Raft snapshots). */
  readonly snapshotState: () => Uint8Array;
  readonly restoreState: (bytes: Uint8Array) => void;
  /** Told when this server gains or loses leadership (after the Ready that changed it). */
  readonly onLeadership: (isLeader: boolean) => void;
  readonly onFatal: (error: unknown) => void;
  readonly snapshotEveryEntries?: number;
}

export class RaftLog implements CommandLog, Leadership {
  /** Callers waiting for a leader: resolved with its address, or rejected when the log closes. */
  private readonly leaderWaiters = new Set<{ resolve: (address: string) => void; reject: (error: Error) => void }>();
  private closed = false;
  /** Undefined until start(): a server waiting to bootstrap has no Raft node yet. */
  private driver: RaftDriver<ApplyResult> | undefined;

  constructor(private readonly options: RaftLogOptions) {}

  /**
   * Opens the Raft node in options.dir. `voters` starts a brand-new cluster (they are saved, see
   * raft-state.ts); [] restarts with the saved ones, or joins an existing cluster when there are
   * none (the leader adds this server).
   */
  async start(bootstrap: NodeId[]): Promise<void> {
    const { options } = this;
    if (this.closed) return;
    if (bootstrap.length > 0) await saveBootstrapVoters(options.dir, bootstrap);
    const voters = bootstrap.length > 0 ? bootstrap : await loadBootstrapVoters(options.dir);
    const fsm: RaftFsm<ApplyResult> = {
      // An empty entry is a new leader's no-op: it changes no state.
      apply: (entry) => (entry.data.length === 0 ? { ok: true, value: undefined } : options.fsm.apply(entry.index, entry.data)),
      snapshot: () => options.snapshotState(),
      restore: (bytes) => options.restoreState(bytes),
    };
    this.driver = await RaftDriver.open<ApplyResult>({
      id: options.id,
      voters,
      dir: options.dir,
      clock: options.clock,
      random: options.random,
      transport: options.transport,
      fsm,
      tickMs: limits.clusterRaftTickMs,
      tuning: { electionTicks: limits.clusterRaftElectionTicks, heartbeatTicks: limits.clusterRaftHeartbeatTicks },
      ...(options.snapshotEveryEntries === undefined ? {} : { snapshotEveryEntries: options.snapshotEveryEntries }),
      onFatal: options.onFatal,
      onLeaderChange: (leader, isLeader) => this.leaderChanged(leader, isLeader),
    });
    // Closed while the files were opening: the node must not run on.
    if (this.closed) await this.driver.close();
  }

  /** True once start() opened the Raft node. */
  started(): boolean {
    return this.driver !== undefined;
  }

  /** True once the log holds entries (this server is part of a cluster). */
  joined(): boolean {
    return (this.driver?.status().lastIndex ?? 0) > 0;
  }

  /** The voters Raft runs with; [] before start(). */
  voters(): NodeId[] {
    return this.driver === undefined ? [] : [...this.driver.status().config.voters];
  }

  get appliedIndex(): number {
    return this.driver?.appliedIndex() ?? 0;
  }

  async propose(command: Command): Promise<unknown> {
    const result = await this.node().propose(encodeCommand(command));
    if (!result.ok) throw result.error;
    return result.value;
  }

  isLeader(): boolean {
    return this.driver?.isLeader() ?? false;
  }

  leaderAddress(): string | undefined {
    const leader = this.driver?.leader() ?? 0;
    return leader === 0 ? undefined : this.options.peers.get(leader)?.address;
  }

  /** The leader's Raft id (0 = none known). */
  leaderId(): NodeId {
    return this.driver?.leader() ?? 0;
  }

  lastContactMs(): number {
    return this.driver?.lastContactMs() ?? Number.POSITIVE_INFINITY;
  }

  async barrier(): Promise<void> {
    await this.node().read();
  }

  waitForLeader(timeoutMs: number): Promise<string> {
    if (this.closed) return Promise.reject(new TaxiwayError('no_leader', 'No cluster leader: this server is shutting down'));
    const known = this.leaderAddress();
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (address: string): void => {
          timer.cancel();
          this.leaderWaiters.delete(waiter);
          resolve(address);
        },
        reject: (error: Error): void => {
          timer.cancel();
          this.leaderWaiters.delete(waiter);
          reject(error);
        },
      };
      const timer: Timer = this.options.clock.setTimer(timeoutMs, () => waiter.reject(new TaxiwayError('no_leader', 'No cluster leader')));
      this.leaderWaiters.add(waiter);
    });
  }

  peers(): string[] {
    if (this.driver === undefined) return [];
    return this.driver
      .status()
      .config.voters.map((id) => this.options.peers.get(id)?.address)
      .filter((address): address is string => address !== undefined)
      .sort();
  }

  /** Raft ids of the voters and of the non-voting learners. */
  membership(): { voters: NodeId[]; learners: NodeId[] } {
    const { voters, learners } = this.node().status().config;
    return { voters: [...voters], learners: [...learners] };
  }

  /** The driver's view for operator endpoints and autopilot (leader only has progress rows). */
  status(): ReturnType<RaftDriver['status']> {
    return this.node().status();
  }

  /** Milliseconds since `peer` was last heard from (Infinity if never, or before start). */
  peerLastContactMs(peer: NodeId): number {
    return this.driver?.peerLastContactMs(peer) ?? Number.POSITIVE_INFINITY;
  }

  async changeMembership(change: ConfigChange): Promise<void> {
    await this.node().changeMembership(change);
  }

  transferLeadership(to: NodeId): boolean {
    return this.node().transferLeadership(to);
  }

  /** Called by the PeerBook when a server's address becomes known: a waiting caller may now reach the leader. */
  peerKnown(): void {
    const address = this.leaderAddress();
    if (address !== undefined) for (const waiter of [...this.leaderWaiters]) waiter.resolve(address);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of [...this.leaderWaiters]) waiter.reject(new TaxiwayError('no_leader', 'No cluster leader: this server is shutting down'));
    await this.driver?.close();
  }

  /** The Raft node, or no_leader while it is not started (still waiting to bootstrap). */
  private node(): RaftDriver<ApplyResult> {
    if (this.driver === undefined) throw new TaxiwayError('no_leader', 'No cluster leader: this server has not joined a cluster yet');
    return this.driver;
  }

  private leaderChanged(leader: NodeId, isLeader: boolean): void {
    if (leader !== 0) this.peerKnown();
    this.options.onLeadership(isLeader);
  }
}
