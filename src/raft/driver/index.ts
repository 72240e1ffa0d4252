// The Raft node's I/O half: the driver loop over the pure core (../core.ts), its durable storage
// over ../wal/, and the transport over src/rpc/wire. See driver.ts for the loop and its order.

export { RaftDriver, type RaftDriverOptions, type RaftTuning } from './driver.js';
export { RaftRequestError, type RaftRequestFailure } from './requests.js';
export type { Fsm, Transport, TransportSendOutcome } from './transport.js';
export { WalStorage, type WalStorageOptions } from './wal-storage.js';
export { raftProtocol, raftProtocolVersion, WireTransport, type WireTransportOptions } from './wire-transport.js';
