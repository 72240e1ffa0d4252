// RPC over the wire: how an agent's call crosses to a server's RPC port (default 8300). Each call
// is one request frame under the method's name, carrying { args, hops } (hops: how often servers
// already forwarded it), on a multiplexed connection opened with the 'rpc' protocol. The server
// side is src/server/cluster/rpc-service.ts.

import { isTaxiwayError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import type { RpcMethod } from './protocol.js';
import { isWireError } from './wire/wire-error.js';
import type { WirePool } from './wire/wire-pool.js';

export const rpcProtocol = 'rpc';
export const rpcProtocolVersion = 1;

export interface RpcFrame {
  readonly args: unknown;
  readonly hops: number;
}

export function isRpcFrame(body: unknown): body is RpcFrame {
  if (typeof body !== 'object' || body === null) return false;
  const { args, hops } = body as Record<string, unknown>;
  return typeof args === 'object' && args !== null && Number.isSafeInteger(hops) && (hops as number) >= 0;
}

/** One call to the server at `address` over `pool` (a pool opened with rpcProtocol). */
export function rpcCall(pool: WirePool, address: string, method: RpcMethod, args: unknown, hops: number): Promise<unknown> {
  const frame: RpcFrame = { args, hops };
  return pool.call(address, method, frame, { timeoutMs: callTimeoutMs(args) });
}

/** A call's timeout: a blocking query waits up to its ?wait (plus margin), anything else rpcCallTimeoutMs. */
export function callTimeoutMs(args: unknown): number {
  if (typeof args !== 'object' || args === null || !('minQueryIndex' in args)) return limits.rpcCallTimeoutMs;
  const { minQueryIndex, maxQueryTimeMs } = args as { minQueryIndex: number; maxQueryTimeMs: number };
  if (minQueryIndex === 0) return limits.rpcCallTimeoutMs;
  const waitMs = maxQueryTimeMs > 0 ? Math.min(maxQueryTimeMs, limits.blockingWaitMsMax) : limits.blockingWaitMsDefault;
  return waitMs + waitMs / 16 + limits.rpcBlockingCallMarginMs;
}

/**
 * Whether a failed call may be tried again (on the next leader or another server), as Consul's
 * canRetry: one that never reached a server (connect refused, in backoff) or that a server refused
 * before acting on it (no_leader); a read also after a lost connection or a timeout. A write whose
 * connection was lost after sending is not: it may have committed.
 */
export function canRetry(error: unknown, isRead: boolean): boolean {
  if (isWireError(error)) {
    const notSent = error.failure === 'connect_failed' || error.failure === 'backoff' || error.failure === 'handshake_rejected';
    return notSent || (isRead && (error.failure === 'closed' || error.failure === 'timeout'));
  }
  if (!isTaxiwayError(error)) return false;
  return error.code === 'no_leader' || (isRead && error.code === 'outcome_unknown');
}
