// ServerCluster: the networked half of a server in a cluster. It owns the RPC port (a WireServer
// speaking 'raft' to peers and 'rpc' to agents and forwarding servers), the Raft log, the book of
// peers, the joiner that finds servers and decides the bootstrap, and the router every call goes
// through. Start order: listen → peers saved by an earlier run → Raft from its own state, or
// -bootstrap alone, or after bootstrap-expect servers are found (in the background, so the agent's
// HTTP API answers meanwhile) → hellos until joined.

import type { Logger } from 'pino';
import type { Fsm } from '../../catalog/fsm.js';
import type { StateStore } from '../../catalog/store.js';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import { join } from 'node:path';
import { WireTransport } from '../../raft/driver/wire-transport.js';
import type { HelloFacts, RpcHandlers, RpcReply, ServerInfo } from '../../rpc/protocol.js';
import { WirePool } from '../../rpc/wire/wire-pool.js';
import { WireServer } from '../../rpc/wire/wire-server.js';
import { autopilotConfig } from '../../catalog/tables/autopilot.js';
import { Autopilot } from './autopilot.js';
import { ServerJoiner } from './joiner.js';
import { ClusterRaftOperator } from './raft-operator.js';
import { PeerBook } from './peer-book.js';
import { RaftLog } from './raft-log.js';
import { RpcRouter } from './router.js';
import { rpcCall, rpcProtocol, rpcProtocolVersion } from '../../rpc/wire-rpc.js';
import { rpcService } from './rpc-service.js';
import { raftIdOf } from './server-info.js';
import { raftStateExists } from './raft-state.js';

export interface ClusterOptions {
  readonly dataDir: string;
  /** Address the RPC port listens on. */
  readonly bindHost: string;
  /** Address other servers reach this one at. */
  readonly advertiseHost: string;
  /** RPC port (0 picks a free one: tests). */
  readonly port: number;
  readonly bootstrap: boolean;
  readonly bootstrapExpect: number;
  /** -retry-join / -join addresses, host or host:port of a server's RPC port. */
  readonly joinAddresses: readonly string[];
  readonly retryIntervalMs: number;
  readonly logger: Logger;
  readonly snapshotEveryEntries?: number;
}

export interface ClusterDeps {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly datacenter: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly store: StateStore;
  readonly fsm: Fsm;
  readonly snapshotState: () => Uint8Array;
  readonly restoreState: (bytes: Uint8Array) => void;
  /** The server's own handlers, behind the router. */
  readonly handlers: () => RpcHandlers;
  readonly onLeadership: (isLeader: boolean) => void;
  /** A hello from a server (the leader's autopilot adds newcomers). */
  readonly onHello: (facts: HelloFacts) => void;
}

/** Consul's server RPC port. */
export const defaultServerPort = 8300;

/** "host" or "host:port" → "host:port", with the server port as the default. */
export function rpcAddressOf(address: string, defaultPort: number): string {
  if (/^\[.*\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address)) return address;
  return address.includes(':') && !address.startsWith('[') ? `[${address}]:${defaultPort}` : `${address}:${defaultPort}`;
}

export class ServerCluster {
  readonly book: PeerBook;
  readonly log: RaftLog;
  readonly router: RpcRouter;
  readonly autopilot: Autopilot;
  readonly operator: ClusterRaftOperator;
  private readonly transport: WireTransport;
  private readonly pool: WirePool;
  private joiner: ServerJoiner | undefined;
  private wire: WireServer | undefined;
  private boundAddress: string;
  /** Raft state from an earlier run was found at start. */
  private hadState = false;
  private stopped = false;

  constructor(
    private readonly options: ClusterOptions,
    private readonly deps: ClusterDeps,
  ) {
    const { clock, random } = deps;
    this.boundAddress = `${options.advertiseHost}:${options.port}`;
    this.book = new PeerBook(join(options.dataDir, 'raft', 'peers.json'));
    this.transport = new WireTransport({ clock, random, peers: new Map() });
    this.pool = new WirePool({ clock, random, protocol: rpcProtocol, version: rpcProtocolVersion });
    this.log = new RaftLog({
      id: raftIdOf(deps.nodeId),
      dir: join(options.dataDir, 'raft'),
      clock,
      random,
      transport: this.transport,
      peers: this.book,
      fsm: deps.fsm,
      snapshotState: deps.snapshotState,
      restoreState: deps.restoreState,
      onLeadership: (isLeader) => {
        if (isLeader) this.autopilot.start();
        else this.autopilot.stop();
        deps.onLeadership(isLeader);
      },
      onFatal: (error) => options.logger.fatal({ err: error }, 'raft: storage failed; this server stopped replicating and must be restarted'),
      ...(options.snapshotEveryEntries === undefined ? {} : { snapshotEveryEntries: options.snapshotEveryEntries }),
    });
    this.router = new RpcRouter(deps.handlers, this.log, (address, method, args, hops) => rpcCall(this.pool, address, method, args, hops), clock);
    this.autopilot = new Autopilot(this.log, this.book, clock, () => autopilotConfig(deps.store), (error) => options.logger.warn({ err: error }, 'autopilot: membership change failed'));
    this.operator = new ClusterRaftOperator(this.log, this.book, this.autopilot, clock);
    this.book.onChange((id, info) => {
      this.transport.setPeer(id, info.address);
      this.log.peerKnown();
    });
  }

  /** This server's RPC address as others reach it (the bound port once listening). */
  get address(): string {
    return this.boundAddress;
  }

  self(): ServerInfo {
    return { id: this.deps.nodeId, name: this.deps.nodeName, address: this.boundAddress, datacenter: this.deps.datacenter };
  }

  /** A server found through gossip: its address goes into the book, and autopilot may add it to Raft. */
  serverFound(server: ServerInfo): void {
    this.book.add(server);
    this.autopilot.heard(raftIdOf(server.id));
  }

  /** The hello side of this server, for the Cluster.Hello handler. */
  hellos(): { facts: () => HelloFacts; servers: () => ServerInfo[]; heard: (facts: HelloFacts) => void } {
    return {
      facts: () => ({ self: this.self(), bootstrapExpect: this.options.bootstrapExpect, ...this.raftFacts() }),
      servers: () => [this.self(), ...this.book.all().filter((server) => server.id !== this.deps.nodeId)],
      heard: (facts) => this.joiner?.heard(facts),
    };
  }

  async start(): Promise<void> {
    const { options, deps } = this;
    this.wire = await WireServer.listen({ host: options.bindHost, port: options.port, clock: deps.clock, protocols: { raft: this.transport.service(), rpc: rpcService(this.router) } });
    this.boundAddress = `${options.advertiseHost}:${this.wire.address().port}`;
    await this.book.restore();
    this.book.followCatalog(deps.store, deps.datacenter);
    const joiner = new ServerJoiner({
      self: this.self(),
      bootstrapExpect: options.bootstrapExpect,
      joinAddresses: options.joinAddresses.map((address) => rpcAddressOf(address, options.port || defaultServerPort)),
      retryIntervalMs: options.retryIntervalMs,
      clock: deps.clock,
      hello: (address, facts) => rpcCall(this.pool, address, 'Cluster.Hello', { datacenter: deps.datacenter, from: facts }, 0) as Promise<RpcReply<'Cluster.Hello'>>,
      book: this.book,
      logger: options.logger,
      raftFacts: () => this.raftFacts(),
      joined: () => this.log.joined(),
      onHello: (facts) => {
        this.autopilot.heard(raftIdOf(facts.self.id));
        deps.onHello(facts);
      },
    });
    this.joiner = joiner;
    this.book.add(this.self());
    this.hadState = await raftStateExists(join(options.dataDir, 'raft'));
    if (this.hadState) {
      await this.log.start([]);
      joiner.sayHelloUntilJoined();
    } else if (options.bootstrap) {
      await this.log.start([raftIdOf(deps.nodeId)]);
    } else {
      // Waits for bootstrap-expect servers (or for a cluster to join) without holding up the agent.
      void joiner
        .bootstrapVoters()
        .then((voters) => (this.stopped ? undefined : this.log.start(voters)))
        .then(() => joiner.sayHelloUntilJoined())
        .catch((error: unknown) => options.logger.error({ err: error }, 'raft: could not start'));
    }
  }

  private raftFacts(): { hasState: boolean; voters: number[] } {
    return { hasState: this.hadState, voters: this.log.voters() };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.autopilot.stop();
    this.joiner?.stop();
    await this.log.close();
    await this.wire?.close();
    await this.transport.close();
    await this.pool.close();
    await this.book.stop();
  }
}
