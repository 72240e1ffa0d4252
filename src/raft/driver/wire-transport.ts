// WireTransport: Raft messages over src/rpc/wire. Outgoing messages are one-way sends on a
// WirePool (protocol 'raft', one multiplexed connection per peer, msgpackr frames); incoming ones
// arrive through the ProtocolService this transport hands to the node's WireServer. A send that
// finds no open connection (dialing starts) or a socket over its high-water mark drops the message
// and reports the peer unreachable, as etcd's rafthttp does: Raft resends from its own progress.

import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import type { ProtocolService } from '../../rpc/wire/wire-server.js';
import { WirePool, type WirePoolOptions } from '../../rpc/wire/wire-pool.js';
import type { Message, MessageType, NodeId } from '../messages.js';
import type { Transport, TransportSendOutcome } from './transport.js';

export const raftProtocol = 'raft';
export const raftProtocolVersion = 1;
const messageMethod = 'm';

const messageTypes: ReadonlySet<string> = new Set<MessageType>([
  'append',
  'appendResponse',
  'vote',
  'voteResponse',
  'heartbeat',
  'heartbeatResponse',
  'snapshot',
  'snapshotResponse',
  'timeoutNow',
  'readIndex',
  'readIndexResponse',
]);

/** A cheap shape check: peers are cluster members, but a decoding mix-up must not reach the core. */
function isMessage(body: unknown): body is Message {
  if (typeof body !== 'object' || body === null) return false;
  const { type, from, to, term } = body as Record<string, unknown>;
  return typeof type === 'string' && messageTypes.has(type) && Number.isSafeInteger(from) && Number.isSafeInteger(to) && Number.isSafeInteger(term);
}

export interface WireTransportOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Peer id → "host:port" of its WireServer; setPeer() changes it later. */
  readonly peers: ReadonlyMap<NodeId, string>;
  /** Extra pool settings (TLS, high-water mark, backoff). */
  readonly pool?: Partial<Omit<WirePoolOptions, 'clock' | 'random' | 'protocol' | 'version'>>;
}

export class WireTransport implements Transport {
  private readonly pool: WirePool;
  private readonly peers: Map<NodeId, string>;
  private handler: (message: Message) => void = () => undefined;
  private droppedCount = 0;

  constructor(options: WireTransportOptions) {
    this.peers = new Map(options.peers);
    this.pool = new WirePool({ ...options.pool, clock: options.clock, random: options.random, protocol: raftProtocol, version: raftProtocolVersion });
  }

  /** The service to register as protocols.raft on this node's WireServer. */
  service(): ProtocolService {
    return {
      versionMin: raftProtocolVersion,
      versionMax: raftProtocolVersion,
      handlers: {
        call: () => Promise.reject(new Error('raft protocol has no calls')),
        message: (method, body) => {
          if (method === messageMethod && isMessage(body)) this.handler(body);
        },
      },
    };
  }

  send(to: NodeId, message: Message): TransportSendOutcome {
    const address = this.peers.get(to);
    if (address === undefined) return this.drop();
    try {
      return this.pool.send(address, messageMethod, message) === 'sent' ? 'sent' : this.drop();
    } catch {
      // frame_too_large: the core's maxBytesPerMessage is below the frame limit, so this is a
      // misconfiguration; dropping keeps the node alive and the peer gets probed again.
      return this.drop();
    }
  }

  onMessage(handler: (message: Message) => void): void {
    this.handler = handler;
  }

  /** Points `id` at a new address (a peer restarted elsewhere); the old connection is left to close. */
  setPeer(id: NodeId, address: string): void {
    this.peers.set(id, address);
  }

  /** Messages dropped so far (unknown peer, not connected, over high water): for tests and metrics. */
  droppedMessages(): number {
    return this.droppedCount;
  }

  /** Closes the outgoing connections. Incoming ones belong to the WireServer. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private drop(): 'unreachable' {
    this.droppedCount++;
    return 'unreachable';
  }
}
