// AnswerCache: encoded replies kept per question until the catalog changes. Pure (no I/O): the
// caller passes the epoch, the time and the Random.
//
// Most DNS traffic asks the same few names again and again; building an answer means decoding the
// packet, an RPC, filtering, shuffling and encoding, all of which gives the same bytes until a
// write changes the catalog. So an answered request's reply is kept under a key made of the
// request's own bytes (question name as sent, type, class), the transport, the RD flag and the
// EDNS0 buffer size it offered, and stamped with the epoch (the state store's last applied
// index) and the time. A later request with the same key, at the same epoch and within
// limits.dnsAnswerCacheMaxAgeMs, gets a copy with its own ID, and its answer records shuffled
// again (the records are uncompressed, so each is a self-contained byte range and any order is
// valid; Consul shuffles every answer too). Nothing is cached that was trimmed to fit (the kept
// records depend on the order) or whose order carries meaning (prepared queries' Near).
//
// Keys are the exact request bytes, so "WEB.service.consul" and "web.service.consul" are two
// entries; each answer repeats the name as it was asked.

import { limits } from '../lib/limits.js';
import type { Random } from '../lib/random.js';
import type { Transport } from './reply.js';

interface Entry {
  readonly reply: Buffer;
  readonly epoch: number;
  readonly storedAtMs: number;
  /** [start, end) of each answer record, when they may be shuffled; undefined = serve as is. */
  readonly answerSpans: readonly (readonly [number, number])[] | undefined;
}

const headerBytes = 12;

/** The end offset of a (possibly compressed) name starting at `at`, or -1 if malformed. */
function skipName(packet: Buffer, at: number): number {
  let offset = at;
  for (let labels = 0; labels < 128; labels++) {
    if (offset >= packet.length) return -1;
    const length = packet[offset] as number;
    if (length === 0) return offset + 1;
    if ((length & 0xc0) === 0xc0) return offset + 2 <= packet.length ? offset + 2 : -1;
    if ((length & 0xc0) !== 0) return -1;
    offset += 1 + length;
  }
  return -1;
}

/**
 * The cache key of a request that checkHeader already accepted (one question, at most one
 * additional), or undefined when it is not a plain question with at most an OPT record.
 */
export function requestCacheKey(request: Buffer, transport: Transport): string | undefined {
  const questionEnd = skipName(request, headerBytes);
  if (questionEnd < 0 || questionEnd + 4 > request.length) return undefined;
  const rd = (request[2] as number) & 0x01;
  let udpSize = 0;
  const additionals = request.readUInt16BE(10);
  if (additionals === 1) {
    // An OPT record: root name, type 41, class = the client's UDP buffer size.
    const at = questionEnd + 4;
    if (request[at] !== 0 || at + 11 > request.length || request.readUInt16BE(at + 1) !== 41) return undefined;
    udpSize = Math.max(1, request.readUInt16BE(at + 3));
  } else if (questionEnd + 4 !== request.length) {
    return undefined;
  }
  return `${transport === 'udp' ? 'u' : 't'}${rd}${udpSize}:${request.toString('latin1', headerBytes, questionEnd + 4)}`;
}

/** The byte ranges of the answer records of an encoded reply; undefined if it cannot be walked. */
function answerSpans(reply: Buffer): [number, number][] | undefined {
  const count = reply.readUInt16BE(6);
  let offset = skipName(reply, headerBytes);
  if (offset < 0) return undefined;
  offset += 4;
  const spans: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const start = offset;
    offset = skipName(reply, offset);
    if (offset < 0 || offset + 10 > reply.length) return undefined;
    offset += 10 + reply.readUInt16BE(offset + 8);
    if (offset > reply.length) return undefined;
    spans.push([start, offset]);
  }
  return spans;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** A copy of the cached reply for `key` with the request's ID, or undefined (missing, stale or old). */
  lookup(key: string, request: Buffer, epoch: number, nowMs: number, random: Random): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.epoch !== epoch || nowMs - entry.storedAtMs > limits.dnsAnswerCacheMaxAgeMs || nowMs < entry.storedAtMs) {
      this.entries.delete(key);
      return undefined;
    }
    const reply = entry.answerSpans === undefined ? Buffer.from(entry.reply) : shuffled(entry.reply, entry.answerSpans, random);
    reply[0] = request[0] as number;
    reply[1] = request[1] as number;
    return reply;
  }

  /** Keeps `reply` for `key`; `shuffle` = its answers may be served in any order. */
  store(key: string, reply: Buffer, epoch: number, nowMs: number, shuffle: boolean): void {
    let spans: [number, number][] | undefined;
    if (shuffle && reply.readUInt16BE(6) > 1) {
      spans = answerSpans(reply);
      if (spans === undefined) return;
    }
    if (this.entries.size >= limits.dnsAnswerCacheEntriesMax && !this.entries.has(key)) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { reply: Buffer.from(reply), epoch, storedAtMs: nowMs, answerSpans: spans });
  }

  clear(): void {
    this.entries.clear();
  }
}

/** A copy of `reply` with its answer records in a fresh random order (Fisher-Yates). */
function shuffled(reply: Buffer, spans: readonly (readonly [number, number])[], random: Random): Buffer {
  const order = spans.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const out = Buffer.allocUnsafe(reply.length);
  const first = spans[0] as readonly [number, number];
  const last = spans[spans.length - 1] as readonly [number, number];
  reply.copy(out, 0, 0, first[0]);
  let at = first[0];
  for (const index of order) {
    const [start, end] = spans[index] as readonly [number, number];
    reply.copy(out, at, start, end);
    at += end - start;
  }
  reply.copy(out, at, last[1]);
  return out;
}
