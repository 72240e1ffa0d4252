// Server: the server role of an agent. Wires the state store, the FSM, the command log and the
// RPC handlers, and runs the leader's duties while this server leads. A dev server is the leader
// of a single-node in-process log; a cluster server (options.cluster) replicates through Raft
// (cluster/cluster.ts) and every call passes its router, which forwards to the leader.

import type { AclResolver } from '../acl/authorizer.js';
import { Fsm } from '../catalog/fsm.js';
import { encodeStateSnapshot, restoreStateSnapshot } from '../catalog/snapshot.js';
import { StateStore } from '../catalog/store.js';
import type { Clock } from '../lib/clock.js';
import type { Random } from '../lib/random.js';
import type { RpcHandlers, ServerInfo } from '../rpc/protocol.js';
import type { CommandLog } from './command-log.js';
import type { ServerContext } from './context.js';
import { type ClusterOptions, ServerCluster } from './cluster/cluster.js';
import { catalogReadHandlers } from './endpoints/catalog-read.js';
import { catalogWriteHandlers } from './endpoints/catalog-write.js';
import { clusterHandlers, type HelloPeer } from './endpoints/cluster.js';
import { configEntryHandlers } from './endpoints/config-entries.js';
import { connectCaHandlers } from './endpoints/connect-ca.js';
import { intentionHandlers } from './endpoints/intentions.js';
import { healthHandlers } from './endpoints/health.js';
import { kvHandlers } from './endpoints/kv.js';
import { preparedQueryHandlers } from './endpoints/prepared-query.js';
import { sessionHandlers } from './endpoints/session.js';
import { snapshotHandlers } from './endpoints/snapshot.js';
import { operatorHandlers } from './endpoints/operator.js';
import { statusHandlers } from './endpoints/status.js';
import { soloRaftOperator } from './raft-operator.js';
import { txnHandlers } from './endpoints/txn.js';
import { InProcessLog } from './in-process-log.js';
import { LeaderDuties } from './leader/duties.js';
import type { ConnectCaOptions } from './leader/connect-ca.js';
import type { SelfMember } from './leader/reconcile-self.js';
import type { MemberSource } from './leader/reconcile-members.js';
import type { Leadership } from './leadership.js';

export interface ServerOptions {
  readonly datacenter: string;
  readonly self: SelfMember;
  readonly clock: Clock;
  readonly random: Random;
  readonly acl: AclResolver;
  /** The mesh CA: created by the leader at start when enabled. Absent = disabled. */
  readonly connect?: ConnectCaOptions;
  /** Absent: a dev server, alone and in memory. */
  readonly cluster?: ClusterOptions;
  /** Told of failures of the leader's own background writes (session expiry, tombstone reaping). */
  readonly onBackgroundError: (error: unknown, what: string) => void;
}

/** What /v1/agent/self says about this agent's server role (Stats.consul, Stats.raft). */
export interface ServerFacts {
  readonly leaderAddress: string;
  readonly isLeader: boolean;
  readonly appliedIndex: number;
  readonly commitIndex: number;
  readonly lastLogIndex: number;
  readonly term: number;
  /** Raft state as Consul names it: Leader, Follower, Candidate. */
  readonly state: string;
  readonly voters: number;
  readonly logBackend: string;
  readonly knownDatacenters: number;
}

export class Server {
  readonly store = new StateStore();
  readonly fsm = new Fsm(this.store);
  readonly context: ServerContext;
  /** This server's own handlers, served here whatever the leadership. */
  readonly handlers: RpcHandlers;
  /** What this agent calls: the router of a cluster server (forwarding to the leader), else the handlers. */
  readonly rpcHandlers: RpcHandlers;
  readonly duties: LeaderDuties;
  /** Undefined for a dev server. */
  readonly cluster: ServerCluster | undefined;

  constructor(private readonly options: ServerOptions) {
    const selfAddress = `${options.self.address}:${options.self.serverPort}`;
    let log: CommandLog & Leadership;
    let hellos: HelloPeer;
    if (options.cluster === undefined) {
      log = new InProcessLog(this.fsm, selfAddress);
      hellos = devHellos(options, selfAddress);
    } else {
      const cluster = new ServerCluster(options.cluster, {
        nodeId: options.self.nodeId,
        nodeName: options.self.nodeName,
        datacenter: options.datacenter,
        clock: options.clock,
        random: options.random,
        store: this.store,
        fsm: this.fsm,
        snapshotState: () => encodeStateSnapshot(this.store),
        restoreState: (bytes) => restoreStateSnapshot(this.store, bytes),
        handlers: () => this.handlers,
        onLeadership: (isLeader) => void this.duties.leadershipChanged(isLeader),
        onHello: (facts) => this.duties.serverHeard(facts),
      });
      this.cluster = cluster;
      log = cluster.log;
      hellos = cluster.hellos();
    }
    const cluster = this.cluster;
    this.context = {
      store: this.store,
      log,
      cluster: log,
      clock: options.clock,
      random: options.random,
      acl: options.acl,
      datacenter: options.datacenter,
      get rpcAddress() {
        return cluster?.address ?? selfAddress;
      },
    };
    this.duties = new LeaderDuties(this.context, {
      self: () => ({ ...options.self, serverPort: Number(this.context.rpcAddress.slice(this.context.rpcAddress.lastIndexOf(':') + 1)) }),
      servers: () => this.cluster?.book.all() ?? [],
      connect: options.connect ?? { enabled: false, initialConfig: {} },
      onBackgroundError: options.onBackgroundError,
    });
    const { duties } = this;
    this.handlers = {
      ...catalogWriteHandlers(this.context),
      ...catalogReadHandlers(this.context),
      ...healthHandlers(this.context),
      ...kvHandlers(this.context, duties.lockDelays),
      ...sessionHandlers(this.context, duties.sessionTimers),
      ...txnHandlers(this.context, duties.lockDelays),
      ...statusHandlers(this.context),
      ...clusterHandlers(this.context, hellos),
      ...operatorHandlers(this.context, this.cluster?.operator ?? soloRaftOperator({ id: options.self.nodeId, name: options.self.nodeName, address: () => this.context.rpcAddress, lastIndex: () => this.context.log.appliedIndex })),
      ...connectCaHandlers(this.context, duties.connectCa),
      ...configEntryHandlers(this.context),
      ...intentionHandlers(this.context),
      ...snapshotHandlers(this.context, () => duties.restart()),
      ...preparedQueryHandlers(this.context),
    };
    this.store.onLockDelay = ({ key, delayMs }) => duties.lockDelays.start(key, delayMs);
    this.rpcHandlers = this.cluster?.router.handlers() ?? this.handlers;
  }

  /** A server found through gossip: a peer to reach, and a newcomer for the leader's autopilot. */
  serverFound(server: ServerInfo): void {
    this.cluster?.serverFound(server);
  }

  /** This server's role and log position, for /v1/agent/self. */
  facts(): ServerFacts {
    const { cluster, log } = this.context;
    const raft = this.cluster?.log.started() === true ? this.cluster.log.status() : undefined;
    const role = raft?.role ?? (this.cluster === undefined ? 'leader' : 'follower');
    const states = { leader: 'Leader', follower: 'Follower', candidate: 'Candidate', preCandidate: 'Candidate' } as const;
    return {
      leaderAddress: cluster.leaderAddress() ?? '',
      isLeader: cluster.isLeader(),
      appliedIndex: log.appliedIndex,
      commitIndex: raft?.commit ?? log.appliedIndex,
      lastLogIndex: raft?.lastIndex ?? log.appliedIndex,
      term: raft?.term ?? 1,
      state: states[role],
      voters: raft?.config.voters.length ?? 1,
      logBackend: this.cluster === undefined ? 'in-process' : 'wal',
      knownDatacenters: 1,
    };
  }

  /**
   * A dev server leads at once: registers itself, creates the CA if needed and starts the
   * leader's timers. A cluster server opens its RPC port and Raft (or starts waiting for
   * bootstrap-expect servers); its duties start when it wins an election.
   */
  async start(): Promise<void> {
    if (this.cluster === undefined) await this.duties.leadershipChanged(true);
    else await this.cluster.start();
  }

  /** The leader keeps a serfHealth check per LAN member in the catalog (leader/reconcile-members.ts). */
  followMembers(source: MemberSource): void {
    this.duties.followMembers(source, this.options.self.nodeName);
  }

  /** Stops the leader's timers, then the cluster's RPC port and Raft. */
  async stop(): Promise<void> {
    this.duties.stop();
    await this.cluster?.stop();
  }
}

function devHellos(options: ServerOptions, address: string): HelloPeer {
  const self = { id: options.self.nodeId, name: options.self.nodeName, address, datacenter: options.datacenter };
  return { facts: () => ({ self, bootstrapExpect: 0, hasState: true, voters: [] }), servers: () => [self], heard: () => undefined };
}
