// The RPC router of a server: every call, from this agent or from another one over the RPC port,
// passes here and is either served by this server's handlers or sent on to the leader, as Consul's
// server forward() does:
//
//   - local:  Status.*, Catalog.ListDatacenters and Cluster.Hello describe this server;
//   - reads with ?stale: served here, unless the leader was last heard from longer ago than
//     ?max_stale, then they go to the leader like the others;
//   - default and ?consistent reads, and every write: served by the leader. A server that is not
//     the leader forwards; one that knows no leader holds the call up to rpcHoldTimeoutMs for an
//     election (a write during a failover waits instead of failing).
//
// Retries within the hold time, as Consul's canRetry: a call that did not reach a leader (no
// leader, connection refused, leadership moved before the write was appended) is tried again on
// whoever leads next; a read also after a lost connection or timeout. A write whose connection was
// lost after sending is not retried: it may have committed (outcome_unknown).
//
// A forwarded call carries a hop count, so two servers briefly disagreeing on the leader cannot
// bounce a call forever.

import type { Clock } from '../../lib/clock.js';
import { TaxiwayError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { RpcArgs, RpcHandlers, RpcMethod, RpcReply } from '../../rpc/protocol.js';
import { canRetry } from '../../rpc/wire-rpc.js';
import type { Leadership } from '../leadership.js';

/** Sends one call to another server's RPC port. */
export type RemoteCall = (address: string, method: RpcMethod, args: unknown, hops: number) => Promise<unknown>;

const servedLocally: ReadonlySet<RpcMethod> = new Set<RpcMethod>(['Status.Leader', 'Status.Peers', 'Catalog.ListDatacenters', 'Cluster.Hello']);
/** Reads only the leader can answer, whatever ?stale says. */
const leaderOnly: ReadonlySet<RpcMethod> = new Set<RpcMethod>(['Operator.ServerHealth']);

interface ReadArgs {
  readonly allowStale: boolean;
  readonly maxStaleMs: number;
}

function readArgs(args: unknown): ReadArgs | undefined {
  return typeof args === 'object' && args !== null && 'allowStale' in args ? (args as ReadArgs) : undefined;
}

function tooManyHops(): TaxiwayError {
  return new TaxiwayError('no_leader', 'No cluster leader: the call was forwarded too often');
}

export class RpcRouter {
  constructor(
    /** This server's own handlers (a function: they are built after the router). */
    private readonly local: () => RpcHandlers,
    private readonly leadership: Leadership,
    private readonly remote: RemoteCall,
    private readonly clock: Clock,
  ) {}

  /** Handlers for this agent's own calls (hop 0). */
  handlers(): RpcHandlers {
    const routed: Record<string, (args: unknown, signal?: AbortSignal) => Promise<unknown>> = {};
    for (const method of Object.keys(this.local()) as RpcMethod[]) routed[method] = (args, signal) => this.route(method, args, 0, signal);
    return routed as unknown as RpcHandlers;
  }

  /** Serves or forwards one call that arrived with `hops` forwards behind it, retrying within the hold time. */
  async route(method: RpcMethod, args: unknown, hops: number, signal?: AbortSignal): Promise<unknown> {
    if (!Object.hasOwn(this.local(), method)) throw new TaxiwayError('bad_request', `unknown RPC method ${JSON.stringify(method)}`);
    // The server that forwarded this call holds and retries it; bouncing it on would not help.
    if (hops >= limits.rpcForwardHopsMax && !this.servesHere(method, args)) throw tooManyHops();
    const deadline = this.clock.monotonicMs() + limits.rpcHoldTimeoutMs;
    const isRead = readArgs(args) !== undefined;
    for (;;) {
      try {
        return await this.attempt(method, args, hops, signal, deadline);
      } catch (error) {
        if (!canRetry(error, isRead) || signal?.aborted === true || this.clock.monotonicMs() + limits.rpcRetryPauseMs >= deadline) throw error;
        await this.pause();
      }
    }
  }

  private async attempt(method: RpcMethod, args: unknown, hops: number, signal: AbortSignal | undefined, deadline: number): Promise<unknown> {
    if (this.servesHere(method, args)) return this.serve(method, args, signal);
    if (hops >= limits.rpcForwardHopsMax) throw tooManyHops();
    const leader = await this.leadership.waitForLeader(Math.max(0, deadline - this.clock.monotonicMs()));
    // The wait may have made this server the leader.
    if (this.leadership.isLeader()) return this.serve(method, args, signal);
    return this.remote(leader, method, args, hops + 1);
  }

  private servesHere(method: RpcMethod, args: unknown): boolean {
    if (servedLocally.has(method) || this.leadership.isLeader()) return true;
    const read = readArgs(args);
    if (read === undefined || !read.allowStale || leaderOnly.has(method)) return false;
    return read.maxStaleMs <= 0 || this.leadership.lastContactMs() <= read.maxStaleMs;
  }

  private serve(method: RpcMethod, args: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const handler = this.local()[method] as (args: RpcArgs<typeof method>, signal?: AbortSignal) => Promise<RpcReply<typeof method>>;
    return handler(args as RpcArgs<typeof method>, signal);
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(limits.rpcRetryPauseMs, resolve));
  }
}
