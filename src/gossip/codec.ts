// Codec: gossip messages ↔ bytes. A packet is a compound of framed messages so that broadcasts
// ride on every probe (memberlist's compoundMsg, net.go):
//
//   packet  = version(1 byte) frame*            version is packetVersion
//   frame   = length(u16 big-endian) msgpack    msgpack is one message as a tuple [code, ...fields]
//
// Each message is encoded once (a broadcast is queued as bytes and sent many times) and the frame
// overhead is exact, so the core can fill a packet up to limits.gossipPacketBytesMax. Decoding
// never throws: anything malformed (truncated frame, unknown code, wrong field types, oversized
// names) makes the whole packet a `bad` result, which the core counts and drops — a packet from
// the network is never trusted piecewise.

import { Packr, Unpackr } from 'msgpackr';
import { limits } from '../lib/limits.js';
import { unreachable } from '../lib/assert.js';
import {
  messageCodes,
  type GossipMessage,
  type MemberMeta,
  type MemberState,
  type RemoteMember,
  type RemoteState,
} from './messages.js';

export const packetVersion = 1;
/** Bytes of the packet header and of each frame's length prefix. */
export const packetHeaderBytes = 1;
export const frameHeaderBytes = 2;

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export type DecodeResult<T> = { type: 'ok'; value: T } | { type: 'bad'; reason: string };

function tuple(message: GossipMessage): unknown[] {
  switch (message.type) {
    case 'ping':
      return [messageCodes.ping, message.seq, message.target, message.source, message.sourceAddress];
    case 'indirectPing':
      return [messageCodes.indirectPing, message.seq, message.target, message.targetAddress, message.source, message.sourceAddress, message.wantNack];
    case 'ack':
      return [messageCodes.ack, message.seq];
    case 'nack':
      return [messageCodes.nack, message.seq];
    case 'suspect':
      return [messageCodes.suspect, message.incarnation, message.node, message.from];
    case 'alive':
      return [messageCodes.alive, message.incarnation, message.node, message.address, message.meta];
    case 'dead':
      return [messageCodes.dead, message.incarnation, message.node, message.from];
    case 'userEvent':
      return [messageCodes.userEvent, message.lamportTime, message.name, message.payload];
    default:
      return unreachable(message);
  }
}

/** One message's msgpack bytes (without frame header). */
export function encodeMessage(message: GossipMessage): Uint8Array {
  return packr.pack(tuple(message));
}

/** Bytes a message occupies in a packet: its encoding plus the frame length prefix. */
export function framedBytes(encoded: Uint8Array): number {
  return encoded.length + frameHeaderBytes;
}

/** Concatenates already-encoded messages into one packet. The caller keeps it under the max. */
export function encodePacket(encodedMessages: readonly Uint8Array[]): Uint8Array {
  let total = packetHeaderBytes;
  for (const m of encodedMessages) total += framedBytes(m);
  const out = new Uint8Array(total);
  out[0] = packetVersion;
  let offset = packetHeaderBytes;
  for (const m of encodedMessages) {
    out[offset] = m.length >>> 8;
    out[offset + 1] = m.length & 0xff;
    out.set(m, offset + frameHeaderBytes);
    offset += framedBytes(m);
  }
  return out;
}

export function decodePacket(bytes: Uint8Array): DecodeResult<GossipMessage[]> {
  if (bytes.length > limits.gossipPacketBytesMax) return { type: 'bad', reason: 'oversized packet' };
  if (bytes.length < packetHeaderBytes || bytes[0] !== packetVersion) return { type: 'bad', reason: 'unknown packet version' };
  const messages: GossipMessage[] = [];
  let offset = packetHeaderBytes;
  while (offset < bytes.length) {
    if (offset + frameHeaderBytes > bytes.length) return { type: 'bad', reason: 'truncated frame header' };
    const length = ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
    const start = offset + frameHeaderBytes;
    if (length === 0 || start + length > bytes.length) return { type: 'bad', reason: 'truncated frame' };
    const decoded = decodeMessage(bytes.subarray(start, start + length));
    if (decoded.type === 'bad') return decoded;
    messages.push(decoded.value);
    offset = start + length;
  }
  return { type: 'ok', value: messages };
}

function unpackSafely(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: unpackr.unpack(bytes) as unknown };
  } catch {
    return { ok: false };
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= limits.gossipNameBytesMax;
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

function isMeta(v: unknown): v is MemberMeta {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || isBytes(v)) return false;
  const entries = Object.entries(v);
  if (entries.length > limits.metaPairsMax) return false;
  return entries.every(([k, value]) => k.length <= limits.metaKeyBytesMax && typeof value === 'string' && value.length <= limits.metaValueBytesMax);
}

/** Validates one tuple; returns the message or the reason it is refused. */
export function decodeMessage(bytes: Uint8Array): DecodeResult<GossipMessage> {
  const unpacked = unpackSafely(bytes);
  if (!unpacked.ok || !Array.isArray(unpacked.value)) return { type: 'bad', reason: 'not a message tuple' };
  const t = unpacked.value as unknown[];
  const bad = (what: string): DecodeResult<GossipMessage> => ({ type: 'bad', reason: `bad ${what} message` });
  switch (t[0]) {
    case messageCodes.ping:
      return isCount(t[1]) && isName(t[2]) && isName(t[3]) && isName(t[4]) && t.length === 5
        ? { type: 'ok', value: { type: 'ping', seq: t[1], target: t[2], source: t[3], sourceAddress: t[4] } }
        : bad('ping');
    case messageCodes.indirectPing:
      return isCount(t[1]) && isName(t[2]) && isName(t[3]) && isName(t[4]) && isName(t[5]) && typeof t[6] === 'boolean' && t.length === 7
        ? { type: 'ok', value: { type: 'indirectPing', seq: t[1], target: t[2], targetAddress: t[3], source: t[4], sourceAddress: t[5], wantNack: t[6] } }
        : bad('indirect ping');
    case messageCodes.ack:
    case messageCodes.nack:
      return isCount(t[1]) && t.length === 2 ? { type: 'ok', value: { type: t[0] === messageCodes.ack ? 'ack' : 'nack', seq: t[1] } } : bad('ack');
    case messageCodes.suspect:
    case messageCodes.dead:
      return isCount(t[1]) && isName(t[2]) && isName(t[3]) && t.length === 4
        ? { type: 'ok', value: { type: t[0] === messageCodes.dead ? 'dead' : 'suspect', incarnation: t[1], node: t[2], from: t[3] } }
        : bad('suspect/dead');
    case messageCodes.alive:
      return isCount(t[1]) && isName(t[2]) && isName(t[3]) && isMeta(t[4]) && t.length === 5
        ? { type: 'ok', value: { type: 'alive', incarnation: t[1], node: t[2], address: t[3], meta: { ...t[4] } } }
        : bad('alive');
    case messageCodes.userEvent:
      return isCount(t[1]) && isName(t[2]) && isBytes(t[3]) && t[2].length + t[3].length <= limits.userEventBytesMax && t.length === 4
        ? { type: 'ok', value: { type: 'userEvent', lamportTime: t[1], name: t[2], payload: Uint8Array.from(t[3]) } }
        : bad('user event');
    default:
      return { type: 'bad', reason: 'unknown message code' };
  }
}

const memberStates: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];

/** Push-pull state (sent over TCP by the driver): [lamportTime, [[name, address, meta, incarnation, stateIndex]...]]. */
export function encodeRemoteState(state: RemoteState): Uint8Array {
  const members = state.members.map((m) => [m.name, m.address, m.meta, m.incarnation, memberStates.indexOf(m.state)]);
  return packr.pack([state.userEventLamportTime, members]);
}

export function decodeRemoteState(bytes: Uint8Array): DecodeResult<RemoteState> {
  const bad = (reason: string): DecodeResult<RemoteState> => ({ type: 'bad', reason });
  if (bytes.length > limits.gossipPushPullBytesMax) return bad('oversized push-pull state');
  const unpacked = unpackSafely(bytes);
  if (!unpacked.ok || !Array.isArray(unpacked.value) || unpacked.value.length !== 2) return bad('not a push-pull state');
  const [lamportTime, rows] = unpacked.value as unknown[];
  if (!isCount(lamportTime) || !Array.isArray(rows) || rows.length > limits.gossipMembersMax) return bad('bad push-pull header');
  const members: RemoteMember[] = [];
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 5) return bad('bad push-pull member');
    const [name, address, meta, incarnation, stateIndex] = row as unknown[];
    const state = typeof stateIndex === 'number' ? memberStates[stateIndex] : undefined;
    if (!isName(name) || !isName(address) || !isMeta(meta) || !isCount(incarnation) || state === undefined) return bad('bad push-pull member');
    members.push({ name, address, meta: { ...meta }, incarnation, state });
  }
  return { type: 'ok', value: { members, userEventLamportTime: lamportTime } };
}
