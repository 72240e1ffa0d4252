// ServerJoiner: how servers find each other before gossip carries membership. A server says hello
// (Cluster.Hello over the RPC port) to its -retry-join addresses and to every server it has heard
// of, in rounds every retry interval; each reply names the servers the other side knows, so every
// server soon knows every other.
//
// Bootstrap (-bootstrap-expect N), as Consul's maybeBootstrap: a brand-new server waits until it
// knows N servers, none of which holds Raft state, and then starts Raft with exactly those N as the
// voters. Every one of them reaches the same set, so they agree without a coordinator. Raft does
// not write that first configuration to its log, so a server must never start without it while
// the others run with it: one that hears of a server already running Raft with it among the
// voters (it was slower to decide) starts with those voters; one not among them joins that cluster
// with no voters and waits for the leader to add it (it said hello). A restarted server starts
// from its own Raft state and says hello to refresh its peers' addresses.

import type { Logger } from 'pino';
import type { Clock, Timer } from '../../lib/clock.js';
import type { HelloFacts, RpcReply, ServerInfo } from '../../rpc/protocol.js';
import type { NodeId } from '../../raft/messages.js';
import type { PeerBook } from './peer-book.js';
import { raftIdOf } from './server-info.js';

export type HelloCall = (address: string, facts: HelloFacts) => Promise<RpcReply<'Cluster.Hello'>>;

export interface JoinerOptions {
  readonly self: ServerInfo;
  readonly bootstrapExpect: number;
  /** -retry-join / -join addresses as host:port of the RPC listener. */
  readonly joinAddresses: readonly string[];
  readonly retryIntervalMs: number;
  readonly clock: Clock;
  readonly hello: HelloCall;
  readonly book: PeerBook;
  readonly logger: Logger;
  /** What this server says of its Raft state in hellos. */
  readonly raftFacts: () => Pick<HelloFacts, 'hasState' | 'voters'>;
  /** True once this server's Raft log holds entries (it is part of a cluster). */
  readonly joined: () => boolean;
  /** Told of every server that said hello (the leader adds newcomers to Raft). */
  readonly onHello: (facts: HelloFacts) => void;
}

export class ServerJoiner {
  /** Servers heard of, with whether they hold state, by node ID. */
  private readonly heardFrom = new Map<string, HelloFacts>();
  private timer: Timer | undefined;
  /** Ends the pause between bootstrap rounds early (stop). */
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: JoinerOptions) {}

  facts(): HelloFacts {
    return { self: this.options.self, bootstrapExpect: this.options.bootstrapExpect, ...this.options.raftFacts() };
  }

  /** A hello arrived: remember the server and tell the caller (autopilot). */
  heard(facts: HelloFacts): void {
    this.heardFrom.set(facts.self.id, facts);
    this.options.book.add(facts.self);
    this.options.onHello(facts);
  }

  /**
   * The voters to start Raft with: bootstrap-expect servers without state once they are known, the
   * voters of a cluster already running with this server in it, or [] to join a cluster that runs
   * without it. Says hello in rounds until it can decide.
   */
  async bootstrapVoters(): Promise<NodeId[]> {
    const expect = this.options.bootstrapExpect;
    const selfId = raftIdOf(this.options.self.id);
    for (;;) {
      await this.round();
      if (this.stopped) return [];
      const peers = [...this.heardFrom.values()];
      const running = peers.find((facts) => facts.voters.includes(selfId));
      if (running !== undefined) return [...running.voters];
      if (peers.some((facts) => facts.hasState || facts.voters.length > 0)) return [];
      const candidates = [this.options.self, ...[...this.heardFrom.values()].map((facts) => facts.self)];
      if (expect > 0 && candidates.length >= expect) {
        const voters = candidates.map((server) => raftIdOf(server.id)).sort((a, b) => a - b);
        this.options.logger.info({ servers: candidates.map((server) => server.name) }, `found ${candidates.length} servers (bootstrap-expect ${expect}): starting Raft with them as voters`);
        return voters;
      }
      this.options.logger.info(`waiting for ${expect} servers before bootstrapping, know ${candidates.length}`);
      await this.pause();
    }
  }

  /** Says hello in rounds until this server's log holds entries (it joined a cluster). */
  sayHelloUntilJoined(): void {
    if (this.stopped) return;
    void this.round().then(() => {
      if (this.stopped || this.options.joined()) return;
      this.timer = this.options.clock.setTimer(this.options.retryIntervalMs, () => this.sayHelloUntilJoined());
    });
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.wake?.();
  }

  /** One hello to every join address and every server known; failures are logged and retried next round. */
  private async round(): Promise<void> {
    const addresses = new Set([...this.options.joinAddresses, ...this.options.book.all().map((server) => server.address)]);
    addresses.delete(this.options.self.address);
    await Promise.all(
      [...addresses].map(async (address) => {
        try {
          const reply = await this.options.hello(address, this.facts());
          if (reply.self.datacenter !== this.options.self.datacenter) {
            this.options.logger.warn(`server at ${address} is in datacenter ${reply.self.datacenter}, not ${this.options.self.datacenter}: ignored`);
            return;
          }
          this.heard({ self: reply.self, bootstrapExpect: reply.bootstrapExpect, hasState: reply.hasState, voters: reply.voters });
          for (const server of reply.servers) if (server.id !== this.options.self.id && server.datacenter === this.options.self.datacenter) this.options.book.add(server);
        } catch (error) {
          this.options.logger.debug({ err: error }, `hello to ${address} failed`);
        }
      }),
    );
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.options.clock.setTimer(this.options.retryIntervalMs, resolve);
    });
  }
}
