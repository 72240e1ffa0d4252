// Framed, multiplexed connections for Raft and agent↔server RPC.
//
//   WirePool ──dial──► socket ──► MuxConnection(dialer) ══ frames ══ MuxConnection(acceptor) ◄── WireServer
//                                  call / send                          handlers per protocol
//
// 1. frame-codec.ts: [u32 length][msgpackr payload]; FrameDecoder reassembles TCP chunks, refuses
//    oversized lengths before buffering.
// 2. envelope.ts: hello, hello_ok, goaway, request, response, error, oneway as numbered arrays.
// 3. mux-connection.ts: ids → pending calls with Clock timeouts, handler dispatch, high-water
//    backpressure for one-way sends, one finish() that rejects everything on close.
// 4. wire-server.ts: one port, protocols chosen by the hello (Consul's first-byte multiplexing).
// 5. wire-pool.ts: one lazy connection per address, redial with jittered backoff (backoff.ts).
// Transport failures are WireError (wire-error.ts); remote handler errors arrive as TaxiwayError.

export { type AcceptDecision, type CallHandlers, type ConnectionRole, MuxConnection, type MuxConnectionOptions, type SendOutcome } from './mux-connection.js';
export { type ProtocolService, WireServer, type WireServerOptions } from './wire-server.js';
export { parseAddress, type PoolSendOutcome, WirePool, type WirePoolOptions } from './wire-pool.js';
export { isWireError, WireError, type WireFailure } from './wire-error.js';
export { methodTable } from './method-table.js';
