// reply: the bytes of an answer. Pure. Checks a request's header before anything is decoded,
// builds the reply packet (flags, echoed question and EDNS0 OPT) and fits it to the transport:
//
//   UDP: at most 512 bytes, or the EDNS0 buffer size the client offers (capped by
//        limits.dnsUdpAnswerBytesMax); without EDNS0 also at most udp_answer_limit answers
//        (Consul's trimUDPResponse). With enable_truncate a trimmed answer carries TC, so that the
//        client asks again over TCP.
//   TCP: at most 65,535 bytes (the length prefix), never TC.
//
// Trimming drops answers from the end (they are already shuffled) and with them the additional
// records that only the dropped SRV answers referred to. Sizes are measured uncompressed (as
// Consul measures 512-byte replies), then compress.ts compresses the names of what is sent.

import { decode, encode, encodingLength, type Answer, type Packet } from 'dns-packet';
import { limits } from '../lib/limits.js';
import type { DnsAnswer, Rcode } from './answer.js';
import { compressReply } from './compress.js';

export type Transport = 'udp' | 'tcp';

const rcodeNumbers: Readonly<Record<Rcode, number>> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

const flagAuthoritative = 1 << 10;
const flagTruncated = 1 << 9;
const flagRecursionDesired = 1 << 8;
const flagRecursionAvailable = 1 << 7;
const headerBytes = 12;

/** What the header alone says about a request, before decoding (which costs and may throw). */
export type HeaderCheck =
  /** Not a query we answer at all (too short, or itself a response): drop it. */
  | { readonly kind: 'drop' }
  /** Answer with this rcode without decoding further. */
  | { readonly kind: 'reject'; readonly rcode: Rcode }
  | { readonly kind: 'decode' };

/**
 * One question, no answer or authority records, at most one additional (the OPT): anything else
 * is not a query (FORMERR). This also bounds the decoder's work: at most two names to follow.
 */
export function checkHeader(request: Buffer): HeaderCheck {
  if (request.length < headerBytes) return { kind: 'drop' };
  const flags = request.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return { kind: 'drop' };
  if (request.length > limits.dnsRequestBytesMax) return { kind: 'reject', rcode: 'FORMERR' };
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { kind: 'reject', rcode: 'NOTIMP' };
  const [questions, answers, authorities, additionals] = [4, 6, 8, 10].map((at) => request.readUInt16BE(at));
  if (questions !== 1 || answers !== 0 || authorities !== 0 || (additionals ?? 0) > 1) return { kind: 'reject', rcode: 'FORMERR' };
  return { kind: 'decode' };
}

/** A bare 12-byte reply (no question echoed) for requests we could not or would not decode. */
export function headerOnlyReply(request: Buffer, rcode: Rcode): Buffer {
  const reply = Buffer.alloc(headerBytes);
  const flags = request.readUInt16BE(2);
  reply.writeUInt16BE(request.readUInt16BE(0), 0);
  reply.writeUInt16BE(0x8000 | (flags & 0x7800) | (flags & flagRecursionDesired) | rcodeNumbers[rcode], 2);
  return reply;
}

/** dns-packet's decode, which throws on malformed input; undefined then. */
export function decodeRequest(request: Buffer): Packet | undefined {
  try {
    const packet = decode(request);
    const name = packet.questions?.[0]?.name;
    return packet.questions?.length === 1 && name !== undefined && encodableName(name) ? packet : undefined;
  } catch {
    return undefined;
  }
}

/**
 * dns-packet decodes label bytes as UTF-8 and splits on dots; a name that would not encode back
 * to the same wire form (non-ASCII bytes, labels over 63 bytes, over 253 in all) is refused, so
 * that the echoed question is always valid.
 */
function encodableName(name: string): boolean {
  if (name.length > 253 || !/^[\x20-\x7e]*$/.test(name)) return false;
  return name === '' || name.split('.').every((label) => label.length > 0 && label.length <= 63);
}

export function optOf(request: Packet): { udpPayloadSize: number } | undefined {
  for (const record of request.additionals ?? []) {
    if (record.type === 'OPT') return { udpPayloadSize: record.udpPayloadSize ?? limits.dnsUdpAnswerBytesDefault };
  }
  return undefined;
}

export interface ReplyOptions {
  readonly transport: Transport;
  readonly recursionAvailable: boolean;
  readonly authoritative: boolean;
  readonly enableTruncate: boolean;
  readonly udpAnswerLimit: number;
}

/** The reply to a decoded request, fitted to its transport. */
export function encodeReply(request: Packet, answer: DnsAnswer, options: ReplyOptions): Buffer {
  const opt = optOf(request);
  const requestFlags = request.flags ?? 0;
  let flags = (requestFlags & flagRecursionDesired) | rcodeNumbers[answer.rcode];
  if (options.authoritative) flags |= flagAuthoritative;
  if (options.recursionAvailable) flags |= flagRecursionAvailable;
  const additionals = [...answer.additionals];
  const packet: Packet = {
    id: request.id ?? 0,
    type: 'response',
    flags,
    questions: request.questions ?? [],
    answers: answer.answers,
    authorities: answer.authorities,
    additionals,
  };
  const maxBytes = options.transport === 'tcp' ? limits.dnsTcpAnswerBytesMax : udpMaxBytes(opt);
  const maxAnswers = options.transport === 'udp' && opt === undefined ? Math.min(limits.dnsUdpAnswersMax, Math.max(1, options.udpAnswerLimit)) : Infinity;
  const optRecord = opt === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: udpMaxBytes(opt), flags: 0 } as Answer];
  // The common case (a few records) fits at once: one encode, no measuring.
  if ((packet.answers?.length ?? 0) <= maxAnswers) {
    const whole = encode({ ...packet, additionals: [...additionals, ...optRecord] });
    if (whole.length <= maxBytes) return compressReply(whole);
  }
  const fitted = fit(packet, maxBytes, maxAnswers);
  fitted.packet.additionals = [...(fitted.packet.additionals ?? []), ...optRecord];
  if (fitted.trimmed && options.transport === 'udp' && options.enableTruncate) fitted.packet.flags = (fitted.packet.flags ?? 0) | flagTruncated;
  return compressReply(encode(fitted.packet));
}

function udpMaxBytes(opt: { udpPayloadSize: number } | undefined): number {
  if (opt === undefined) return limits.dnsUdpAnswerBytesDefault;
  return Math.min(limits.dnsUdpAnswerBytesMax, Math.max(limits.dnsUdpAnswerBytesDefault, opt.udpPayloadSize));
}

/** Space the OPT record takes when echoed (root name, fixed fields, no options). */
const optBytes = 11;

/**
 * Keeps the longest prefix of answers that fits `maxBytes` (binary search over the count, each
 * step one encodingLength), with only the additionals the kept answers need. If even the header,
 * question and authority do not fit, the additionals go too.
 */
function fit(packet: Packet, maxBytes: number, maxAnswers: number): { packet: Packet; trimmed: boolean } {
  const answers = packet.answers ?? [];
  const budget = maxBytes - (optBytes);
  const withCount = (count: number): Packet => {
    const kept = answers.slice(0, count);
    return { ...packet, answers: kept, additionals: count === answers.length ? packet.additionals ?? [] : additionalsFor(kept, packet.additionals ?? []) };
  };
  let best = Math.min(answers.length, maxAnswers);
  if (encodingLength(withCount(best)) > budget) {
    let low = 0;
    let high = best - 1;
    best = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (encodingLength(withCount(middle)) <= budget) {
        best = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
  }
  if (best < 0) return { packet: { ...packet, answers: [], additionals: [], authorities: [] }, trimmed: true };
  return { packet: withCount(best), trimmed: best < answers.length };
}

/** The additionals whose name is the target of a kept SRV (or NS) answer. */
function additionalsFor(kept: readonly Answer[], additionals: readonly Answer[]): Answer[] {
  const targets = new Set<string>();
  for (const answer of kept) {
    if (answer.type === 'SRV') targets.add(answer.data.target.toLowerCase());
    if (answer.type === 'NS') targets.add(answer.data.toLowerCase());
  }
  return additionals.filter((record) => targets.has(record.name.toLowerCase()));
}
