// Gossip TCP streams: one request frame, one answer frame, then the connection closes.
//
//   frame   = length(u32 big-endian) body           body is sealed when encryption is on (keyring.ts)
//   request = [1, target]                           TCP fallback probe: "are you `target`?"
//             [3, join, state, events]              push-pull: our state (codec.ts) + recent user events
//             [5, op, key]                          keyring operation on this member
//             [7, node, prune]                      force-leave `node` in this member's roster
//   answer  = [2, isTarget] | [4, state, events] | [6, error, keys] | [8, known]
//
// Every frame is bounded (push-pull state plus events); anything malformed is `bad`: the
// connection is closed and the exchange counted as failed, never trusted piecewise.

import { Packr, Unpackr } from 'msgpackr';
import type { Socket } from 'node:net';
import { limits } from '../../lib/limits.js';
import type { UserEventDelivery } from '../effects.js';
import { sealOverheadBytes } from './keyring.js';

export type KeyringOp = 'install' | 'use' | 'remove' | 'list';

export type StreamMessage =
  | { type: 'ping'; target: string }
  | { type: 'ack'; isTarget: boolean }
  | { type: 'pushPull'; join: boolean; state: Uint8Array; events: UserEventDelivery[] }
  | { type: 'pushPullReply'; state: Uint8Array; events: UserEventDelivery[] }
  | { type: 'keyring'; op: KeyringOp; key: string }
  | { type: 'keyringReply'; error: string; keys: string[] }
  | { type: 'forceLeave'; node: string; prune: boolean }
  | { type: 'forceLeaveReply'; known: boolean };

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const keyringOps: readonly KeyringOp[] = ['install', 'use', 'remove', 'list'];

/** Largest frame body: a maximal push-pull state, its events and the seal. */
export const streamFrameBytesMax = limits.gossipPushPullBytesMax + limits.gossipPushPullUserEventsMax * (limits.userEventBytesMax + 64) + sealOverheadBytes + 64;

const eventRow = (e: UserEventDelivery): unknown[] => [e.lamportTime, e.name, e.payload];

export function encodeStreamMessage(message: StreamMessage): Uint8Array {
  switch (message.type) {
    case 'ping':
      return packr.pack([1, message.target]);
    case 'ack':
      return packr.pack([2, message.isTarget]);
    case 'pushPull':
      return packr.pack([3, message.join, message.state, message.events.map(eventRow)]);
    case 'pushPullReply':
      return packr.pack([4, message.state, message.events.map(eventRow)]);
    case 'keyring':
      return packr.pack([5, message.op, message.key]);
    case 'keyringReply':
      return packr.pack([6, message.error, message.keys]);
    case 'forceLeave':
      return packr.pack([7, message.node, message.prune]);
    case 'forceLeaveReply':
      return packr.pack([8, message.known]);
  }
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isString = (v: unknown): v is string => typeof v === 'string' && v.length <= limits.gossipNameBytesMax;

function decodeEvents(rows: unknown): UserEventDelivery[] | undefined {
  if (!Array.isArray(rows) || rows.length > limits.gossipPushPullUserEventsMax) return undefined;
  const events: UserEventDelivery[] = [];
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 3) return undefined;
    const [lamportTime, name, payload] = row as unknown[];
    if (typeof lamportTime !== 'number' || !Number.isSafeInteger(lamportTime) || lamportTime < 0 || !isString(name) || name === '' || !isBytes(payload)) return undefined;
    events.push({ lamportTime, name, payload: Uint8Array.from(payload) });
  }
  return events;
}

/** Validates one stream message; undefined when it is malformed. */
export function decodeStreamMessage(bytes: Uint8Array): StreamMessage | undefined {
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const t = value as unknown[];
  switch (t[0]) {
    case 1:
      return t.length === 2 && isString(t[1]) ? { type: 'ping', target: t[1] } : undefined;
    case 2:
      return t.length === 2 && typeof t[1] === 'boolean' ? { type: 'ack', isTarget: t[1] } : undefined;
    case 3: {
      const events = decodeEvents(t[3]);
      return t.length === 4 && typeof t[1] === 'boolean' && isBytes(t[2]) && events !== undefined ? { type: 'pushPull', join: t[1], state: t[2], events } : undefined;
    }
    case 4: {
      const events = decodeEvents(t[2]);
      return t.length === 3 && isBytes(t[1]) && events !== undefined ? { type: 'pushPullReply', state: t[1], events } : undefined;
    }
    case 5:
      return t.length === 3 && keyringOps.includes(t[1] as KeyringOp) && typeof t[2] === 'string' && t[2].length <= 64 ? { type: 'keyring', op: t[1] as KeyringOp, key: t[2] } : undefined;
    case 6: {
      const [, error, keys] = t;
      if (t.length !== 3 || typeof error !== 'string' || !Array.isArray(keys) || keys.length > limits.gossipKeysMax) return undefined;
      return keys.every((k) => typeof k === 'string') ? { type: 'keyringReply', error, keys } : undefined;
    }
    case 7:
      return t.length === 3 && isString(t[1]) && typeof t[2] === 'boolean' ? { type: 'forceLeave', node: t[1], prune: t[2] } : undefined;
    case 8:
      return t.length === 2 && typeof t[1] === 'boolean' ? { type: 'forceLeaveReply', known: t[1] } : undefined;
    default:
      return undefined;
  }
}

export function writeFrame(socket: Socket, body: Uint8Array): void {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  socket.write(Buffer.concat([header, body]));
}

/**
 * Resolves with the first frame's body; rejects when the socket ends or errors first or the frame
 * is over `maxBytes` (the caller bounds the time by destroying the socket).
 */
export function readFrame(socket: Socket, maxBytes: number = streamFrameBytesMax): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let expected = -1;
    const finish = (error: Error | undefined, body?: Buffer): void => {
      socket.off('data', onData);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
      if (error !== undefined) reject(error);
      else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (expected < 0 && received >= 4) {
        expected = Buffer.concat(chunks).readUInt32BE(0);
        if (expected > maxBytes) return finish(new Error(`gossip frame of ${expected} bytes is over ${maxBytes}`));
      }
      if (expected >= 0 && received >= 4 + expected) finish(undefined, Buffer.concat(chunks).subarray(4, 4 + expected));
    };
    const onEnd = (): void => finish(new Error('gossip stream closed before a whole frame'));
    socket.on('data', onData);
    socket.once('error', onEnd);
    socket.once('close', onEnd);
  });
}
