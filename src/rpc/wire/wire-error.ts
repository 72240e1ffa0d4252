// Failures of the connection itself, as opposed to errors a remote handler raised (those arrive as
// plain TaxiwayError with the remote code). `failure` says what went wrong so callers can decide:
// 'timeout' and 'closed' may be retried elsewhere, 'pending_cap' means slow down. errors.ts has no
// 'unavailable' or 'timeout' code yet, so transport failures carry 'internal' (or 'rate_limited' /
// 'payload_too_large' where one fits) — see the report on the catalogue.

import { type ErrorCode, TaxiwayError } from '../../lib/errors.js';

export type WireFailure =
  /** The connection closed (by either side, or the socket failed) before the reply came. */
  | 'closed'
  /** No reply within the call's timeout. */
  | 'timeout'
  /** Too many calls already waiting on this connection. */
  | 'pending_cap'
  /** A frame over the size limit: ours is refused before sending; the peer's closes the connection. */
  | 'frame_too_large'
  /** The peer sent something that is not a valid frame or message, or broke the handshake order. */
  | 'protocol'
  /** The peer refused our hello (unknown protocol or version). */
  | 'handshake_rejected'
  /** TCP or TLS connect failed or timed out. */
  | 'connect_failed'
  /** The pool is waiting before it redials this address. */
  | 'backoff';

export class WireError extends TaxiwayError {
  constructor(
    readonly failure: WireFailure,
    code: ErrorCode,
    message: string,
    /**
     * connect_failed only: the peer's host answered that nothing listens on the port (ECONNREFUSED),
     * so the peer's process is gone, as opposed to a timeout or a TLS failure, which say nothing.
     */
    readonly refused = false,
  ) {
    super(code, message);
  }
}

export function isWireError(error: unknown): error is WireError {
  return error instanceof WireError;
}
