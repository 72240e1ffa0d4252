// ServersClient: the RPC client of a client agent. It learns the servers of its datacenter by a
// hello to its -join / -retry-join addresses (then to the servers it knows, every
// rpcServerListRefreshMs), keeps using one server while it answers, and moves to the next when it
// does not, as Consul's agent/router does:
//
//   - a call that could not reach its server (connect failed, in backoff) or that its server
//     refused before acting (no_leader) is tried on the next one, up to once per known server;
//   - a read is also retried elsewhere after a lost connection or a timeout (reads are
//     idempotent); a write is not, since it may have committed (wire-rpc.ts canRetry).
//
// Errors the server answered (a TaxiwayError with its code) are the caller's, never retried.

import type { Logger } from 'pino';
import type { Clock, Timer } from '../lib/clock.js';
import { TaxiwayError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import { type Random, shuffle } from '../lib/random.js';
import type { RpcArgs, RpcClient, RpcMethod, RpcReply } from './protocol.js';
import { canRetry, rpcCall, rpcProtocol, rpcProtocolVersion } from './wire-rpc.js';
import { WirePool } from './wire/wire-pool.js';

export interface ServersClientOptions {
  readonly datacenter: string;
  /** host:port of servers' RPC ports to ask first. */
  readonly joinAddresses: readonly string[];
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

export class ServersClient implements RpcClient {
  private readonly pool: WirePool;
  private servers: string[] = [];
  private current = 0;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(private readonly options: ServersClientOptions) {
    this.pool = new WirePool({ clock: options.clock, random: options.random, protocol: rpcProtocol, version: rpcProtocolVersion });
  }

  /** Servers known now (host:port of their RPC ports). */
  knownServers(): readonly string[] {
    return this.servers;
  }

  /** A server found through gossip (host:port of its RPC port) joins the list. */
  serverFound(address: string): void {
    if (!this.servers.includes(address) && this.servers.length < limits.clusterServersMax) this.servers = [...this.servers, address];
  }

  /** Starts learning servers: now, then every rpcServerListRefreshMs. */
  start(): void {
    void this.refresh().finally(() => {
      if (!this.stopped) this.timer = this.options.clock.setTimer(this.servers.length === 0 ? limits.clusterJoinRetryMsDefault : limits.rpcServerListRefreshMs, () => this.start());
    });
  }

  async call<M extends RpcMethod>(method: M, args: RpcArgs<M>, signal?: AbortSignal): Promise<RpcReply<M>> {
    const candidates = this.servers.length > 0 ? this.servers : [...this.options.joinAddresses];
    if (candidates.length === 0) throw new TaxiwayError('no_servers', 'No known Consul servers');
    const isRead = typeof args === 'object' && args !== null && 'allowStale' in args;
    let lastError: unknown;
    for (let attempt = 0; attempt < candidates.length; attempt++) {
      if (signal?.aborted === true) throw new TaxiwayError('internal', 'request abandoned by its caller');
      const address = candidates[(this.current + attempt) % candidates.length] as string;
      try {
        const reply = (await rpcCall(this.pool, address, method, args, 0)) as RpcReply<M>;
        this.current = (this.current + attempt) % candidates.length;
        return reply;
      } catch (error) {
        if (!canRetry(error, isRead)) throw error;
        lastError = error;
      }
    }
    this.current = (this.current + 1) % candidates.length;
    throw new TaxiwayError('no_servers', `No Consul server answered: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.pool.close();
  }

  /** A hello to known servers (or the join addresses) until one answers with its list. */
  private async refresh(): Promise<void> {
    const addresses = [...new Set([...this.servers, ...this.options.joinAddresses])];
    for (const address of addresses) {
      try {
        const reply = (await rpcCall(this.pool, address, 'Cluster.Hello', { datacenter: this.options.datacenter, from: undefined }, 0)) as RpcReply<'Cluster.Hello'>;
        const servers = reply.servers.filter((server) => server.datacenter === this.options.datacenter).map((server) => server.address);
        if (servers.length === 0) continue;
        // Spread clients over the servers (Consul shuffles its server list too).
        this.servers = shuffle(servers.slice(0, limits.clusterServersMax), this.options.random);
        this.current = 0;
        return;
      } catch (error) {
        this.options.logger.debug({ err: error }, `hello to server ${address} failed`);
      }
    }
  }
}
