// One TCP exchange of the gossip driver, both sides: the client connects, sends one sealed request
// frame and reads one answer; the server reads one request, answers, and closes. Both are bounded
// by limits.gossipStreamTimeoutMs (the socket is destroyed at the deadline) and by frame size.

import { connect, type Socket } from 'node:net';
import type { Clock } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import { sealOutgoing, unsealIncoming, type Encryption } from './keyring.js';
import { decodeStreamMessage, encodeStreamMessage, readFrame, writeFrame, type StreamMessage } from './stream.js';

export interface ExchangeContext {
  readonly encryption: () => Encryption;
  readonly clock: Clock;
  /** Frames no key opened (or plaintext under verify_incoming): dropped, never trusted. */
  onRefused(): void;
}

/** "host:port" → parts; IPv6 hosts are written "[::1]:8301". */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`bad gossip address ${address}`);
  return { host, port };
}

async function readMessage(context: ExchangeContext, socket: Socket): Promise<StreamMessage> {
  const body = await readFrame(socket);
  const unsealed = unsealIncoming(context.encryption(), body);
  if (unsealed.type === 'refused') {
    context.onRefused();
    throw new Error('gossip stream refused: no key opens it');
  }
  const message = decodeStreamMessage(unsealed.plain);
  if (message === undefined) throw new Error('malformed gossip stream message');
  return message;
}

function withDeadline<T>(clock: Clock, socket: Socket, timeoutMs: number, work: Promise<T>): Promise<T> {
  const timer = clock.setTimer(timeoutMs, () => socket.destroy(new Error(`gossip stream timed out after ${timeoutMs} ms`)));
  return work.finally(() => timer.cancel());
}

/** Sends `request` to the member at `address` and returns its answer; rejects on any failure. */
export async function exchange(context: ExchangeContext, address: string, request: StreamMessage, timeoutMs: number = limits.gossipStreamTimeoutMs): Promise<StreamMessage> {
  const { host, port } = splitAddress(address);
  const socket = connect({ host, port });
  socket.on('error', () => {});
  try {
    const work = (async () => {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('close', () => reject(new Error(`cannot reach ${address}`)));
      });
      writeFrame(socket, sealOutgoing(context.encryption(), encodeStreamMessage(request)));
      return readMessage(context, socket);
    })();
    return await withDeadline(context.clock, socket, timeoutMs, work);
  } finally {
    socket.destroy();
  }
}

/** Serves one connection: reads a request, writes `answer(request)` (none: just closes). */
export async function serveConnection(context: ExchangeContext, socket: Socket, answer: (request: StreamMessage) => StreamMessage | undefined): Promise<void> {
  socket.on('error', () => {});
  try {
    const request = await withDeadline(context.clock, socket, limits.gossipStreamTimeoutMs, readMessage(context, socket));
    const reply = answer(request);
    if (reply !== undefined) {
      const body = sealOutgoing(context.encryption(), encodeStreamMessage(reply));
      writeFrame(socket, body);
      await new Promise<void>((resolve) => socket.end(resolve));
    }
  } catch {
    // A bad or slow peer: the connection is simply closed.
  } finally {
    socket.destroy();
  }
}

/** Runs `work` for every peer, at most limits.gossipStreamsOutboundMax at once; `work` must not throw. */
export async function fanOut<T>(peers: readonly T[], work: (peer: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < peers.length; start += limits.gossipStreamsOutboundMax) {
    await Promise.all(peers.slice(start, start + limits.gossipStreamsOutboundMax).map(work));
  }
}
