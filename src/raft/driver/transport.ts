// The two narrow interfaces a RaftDriver is built on besides storage: how messages reach peers
// (Transport) and what the replicated log drives (Fsm). wire-transport.ts implements Transport
// over src/rpc/wire; tests may implement both in memory.

import type { Entry, Message, NodeId } from '../messages.js';

/** What send() did: 'unreachable' makes the driver tell the core (core.reportUnreachable). */
export type TransportSendOutcome = 'sent' | 'unreachable';

/**
 * Best-effort, unordered-across-peers, ordered-per-peer delivery of Raft messages. Raft tolerates
 * loss, duplication and delay (it resends from its own progress tracking), so a transport never
 * queues without bound and never retries on its own.
 */
export interface Transport {
  /**
   * Sends `message` to node `to` without waiting. Must not throw and must not block: when the
   * peer is unknown, not connected yet, or its connection is over its buffer bound, the message is
   * dropped and 'unreachable' returned. Called by the driver's loop only after the Ready holding
   * `message` is durable.
   */
  send(to: NodeId, message: Message): TransportSendOutcome;
  /**
   * Registers the one receiver of messages addressed to this node (a later call replaces it).
   * The handler is called in arrival order per peer, synchronously, and does not throw.
   */
  onMessage(handler: (message: Message) => void): void;
}

/**
 * Optional capability of a Transport: telling that a peer's process is gone (its port refuses
 * connections), which a follower uses to stop waiting for a dead leader (RaftDriver.peerGone).
 */
export interface PeerGoneReporter {
  /** Registers the one handler (a later call replaces it); called from I/O callbacks, never throws. */
  onPeerGone(handler: (id: NodeId) => void): void;
}

/**
 * The replicated state machine. Every method is called by the driver's loop only, never
 * concurrently, and must be deterministic: every node applies the same entries in the same order
 * and must reach the same state.
 */
export interface Fsm<Result = unknown> {
  /**
   * Applies one committed 'normal' entry, in index order, once per entry after the last restore.
   * Empty data is a new leader's no-op: ignore it. The result resolves the propose() that created
   * the entry on this node. Throwing is a bug: the driver stops (a node cannot skip an entry).
   */
  apply(entry: Entry): Result;
  /** The whole state as bytes, consistent with every entry applied so far. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot()'s bytes (at start, or from the leader). */
  restore(data: Uint8Array): void;
}
