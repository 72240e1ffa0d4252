// WireTransport: Raft messages over src/rpc/wire. Outgoing messages are one-way sends on a
// WirePool (protocol 'raft', one multiplexed connection per peer, msgpackr frames); incoming ones
// arrive through the ProtocolService this transport hands to the node's WireServer. A send that
// finds no open connection starts the dial and holds a few messages until it opens (a vote request
// to a peer this node never talked to must not be lost: that would cost an election timeout). A
// socket over its high-water mark, a full dial queue or a failed dial drops messages and reports
// the peer unreachable, as etcd's rafthttp does: Raft resends from its own progress tracking.
// When a connection closes, one redial probes the peer: a refusal (nothing listens on its port)
// means its process is gone, which onPeerGone reports so a follower stops waiting for a dead leader.

import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { Random } from '../../lib/random.js';
import type { MuxConnection } from '../../rpc/wire/mux-connection.js';
import { isWireError } from '../../rpc/wire/wire-error.js';
import type { ProtocolService } from '../../rpc/wire/wire-server.js';
import { WirePool, type WirePoolOptions } from '../../rpc/wire/wire-pool.js';
import type { Message, MessageType, NodeId } from '../messages.js';
import type { PeerGoneReporter, Transport, TransportSendOutcome } from './transport.js';

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

export class WireTransport implements Transport, PeerGoneReporter {
  private readonly pool: WirePool;
  private readonly peers: Map<NodeId, string>;
  private handler: (message: Message) => void = () => undefined;
  private droppedCount = 0;
  /** Messages waiting for a connection being dialed, per address. */
  private readonly dialQueues = new Map<string, Message[]>();
  private goneHandler: ((id: NodeId) => void) | undefined;
  /** Connections whose close is already watched (each is probed once when it closes). */
  private readonly watched = new WeakSet<MuxConnection>();
  private closed = false;

  constructor(options: WireTransportOptions) {
    this.peers = new Map(options.peers);
    this.pool = new WirePool({ backoffMsMax: limits.raftTransportBackoffMsMax, ...options.pool, clock: options.clock, random: options.random, protocol: raftProtocol, version: raftProtocolVersion });
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
    const queue = this.dialQueues.get(address);
    if (queue !== undefined) {
      if (queue.length >= limits.raftTransportDialQueueMessages) return this.drop();
      queue.push(message);
      return 'sent';
    }
    try {
      const outcome = this.pool.send(address, messageMethod, message);
      if (outcome === 'not_connected') return this.queueForDial(address, message);
      return outcome === 'sent' ? 'sent' : this.drop();
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

  onPeerGone(handler: (id: NodeId) => void): void {
    this.goneHandler = handler;
  }

  /** Closes the outgoing connections. Incoming ones belong to the WireServer. */
  close(): Promise<void> {
    this.closed = true;
    return this.pool.close();
  }

  /** When `connection` closes, redial once: a refusal reports every peer at `address` gone. */
  private watchClose(address: string, connection: MuxConnection): void {
    if (this.watched.has(connection)) return;
    this.watched.add(connection);
    void connection.whenClosed().then(() => {
      if (this.closed || this.goneHandler === undefined) return;
      this.pool.connection(address).then(
        (next) => this.watchClose(address, next),
        (error: unknown) => {
          if (this.closed || !isWireError(error) || !error.refused) return;
          for (const [id, peerAddress] of this.peers) if (peerAddress === address) this.goneHandler?.(id);
        },
      );
    });
  }

  /** Holds `message` until the dial the pool started opens (then sends in order) or fails (then drops). */
  private queueForDial(address: string, message: Message): TransportSendOutcome {
    const queue = [message];
    this.dialQueues.set(address, queue);
    this.pool.connection(address).then(
      (connection) => {
        this.dialQueues.delete(address);
        this.watchClose(address, connection);
        for (const queued of queue) {
          try {
            if (connection.send(messageMethod, queued) !== 'sent') this.droppedCount++;
          } catch {
            this.droppedCount++; // frame_too_large, as in send()
          }
        }
      },
      () => {
        this.dialQueues.delete(address);
        this.droppedCount += queue.length;
      },
    );
    return 'sent';
  }

  private drop(): 'unreachable' {
    this.droppedCount++;
    return 'unreachable';
  }
}
