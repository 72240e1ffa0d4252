// handler: request bytes → reply bytes, for either transport. The steps:
//
//   1. reply.ts checkHeader: too short or a response → dropped; oversized, not a QUERY opcode, or
//      not exactly one question → FORMERR/NOTIMP with a bare header. Nothing decoded yet.
//   2. dns-packet decode; a decode error → FORMERR.
//   3. class other than IN/ANY → NOTIMP.
//   4. parse-name.ts: inside our domain (or alt domain) → lookup.ts → answer.ts; a reverse name
//      (…in-addr.arpa., …ip6.arpa.) → ptr.ts, and when no node or service has that address the
//      recursors or SERVFAIL; anything else outside → recursor.ts (SERVFAIL when none answers) or
//      REFUSED without recursors.
//   5. reply.ts encodeReply: flags, echoed OPT, fitted to the transport (truncation).
//   6. answer-cache.ts keeps the reply while the catalog does not change; the server asks
//      cachedReply() first, synchronously, and only misses come here.
//
// A lookup that fails (a server error, no leader) is SERVFAIL. Nothing here throws to the server.

import type { Logger } from 'pino';
import type { Packet } from 'dns-packet';
import type { Clock } from '../lib/clock.js';
import { errorAnswer, type DnsAnswer } from './answer.js';
import { type AnswerCache, requestCacheKey } from './answer-cache.js';
import { lookup, queryOptions, type DnsSettings, type LookupDeps } from './lookup.js';
import { type DnsQuery, parseName } from './parse-name.js';
import { isReverseName, ptrAnswer } from './ptr.js';
import { recurse } from './recursor.js';
import { checkHeader, decodeRequest, encodeReply, headerOnlyReply, type Transport } from './reply.js';
import { unreachable } from '../lib/assert.js';

export interface HandlerDeps extends LookupDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: () => DnsSettings;
  /**
   * The state store's last applied index, while this agent has the store in its own process:
   * replies are cached until it moves (answer-cache.ts). Undefined (or absent) = no caching.
   */
  readonly cacheEpoch?: () => number | undefined;
}

/** A cached reply for `request`, answered synchronously, or undefined (then handleRequest). */
export function cachedReply(deps: HandlerDeps, cache: AnswerCache, request: Buffer, transport: Transport): Buffer | undefined {
  const epoch = deps.cacheEpoch?.();
  if (epoch === undefined || checkHeader(request).kind !== 'decode') return undefined;
  const key = requestCacheKey(request, transport);
  return key === undefined ? undefined : cache.lookup(key, request, epoch, deps.clock.monotonicMs(), deps.random);
}

/**
 * Keeps an in-domain reply when serving it again is exact: a definite answer (not SERVFAIL),
 * nothing trimmed to fit or cut by a_record_limit, and no meaningful order (prepared queries put
 * their Near node first, so they are not cached).
 */
function remember(deps: HandlerDeps, cache: AnswerCache | undefined, epoch: number | undefined, request: Buffer, transport: Transport, answer: DnsAnswer, query: DnsQuery, reply: Buffer): void {
  if (cache === undefined || epoch === undefined || query.kind === 'query') return;
  if (answer.rcode !== 'NOERROR' && answer.rcode !== 'NXDOMAIN') return;
  if (query.kind === 'service' && deps.settings().config.aRecordLimit > 0) return;
  const truncated = ((reply[2] as number) & 0x02) !== 0;
  if (truncated || reply.readUInt16BE(6) !== answer.answers.length) return;
  const key = requestCacheKey(request, transport);
  if (key !== undefined) cache.store(key, reply, epoch, deps.clock.monotonicMs(), query.kind === 'service' || query.kind === 'apex');
}

const answeredClasses = new Set(['IN', 'ANY']);

export async function handleRequest(deps: HandlerDeps, request: Buffer, transport: Transport, cache?: AnswerCache): Promise<Buffer | undefined> {
  const header = checkHeader(request);
  switch (header.kind) {
    case 'drop':
      return undefined;
    case 'reject':
      return headerOnlyReply(request, header.rcode);
    case 'decode':
      break;
    default:
      return unreachable(header);
  }
  const packet = decodeRequest(request);
  if (packet === undefined) return headerOnlyReply(request, 'FORMERR');
  const settings = deps.settings();
  const options = {
    transport,
    recursionAvailable: settings.recursors.length > 0,
    authoritative: true,
    enableTruncate: settings.config.enableTruncate,
    udpAnswerLimit: settings.config.udpAnswerLimit,
  };
  const question = packet.questions?.[0];
  if (question === undefined) return headerOnlyReply(request, 'FORMERR');
  if (!answeredClasses.has(question.class ?? 'IN')) return encodeReply(packet, errorAnswer('NOTIMP'), options);
  const parsed = parseName(question.name, [settings.domain, settings.altDomain]);
  if (!parsed.inDomain && isReverseName(question.name)) {
    const answer = await reverseAnswer(deps, settings, question.name);
    if (answer !== undefined) return encodeReply(packet, answer, options);
    // Not ours: recursors, or SERVFAIL as Consul's handleRecurse answers with none.
    if (settings.recursors.length === 0) return encodeReply(packet, errorAnswer('SERVFAIL'), options);
  }
  if (!parsed.inDomain) {
    if (settings.recursors.length === 0) return encodeReply(packet, errorAnswer('REFUSED'), { ...options, authoritative: false });
    const reply = await recurse(deps, request, settings.recursors, settings.config.recursorTimeoutMs);
    return reply ?? encodeReply(packet, errorAnswer('SERVFAIL'), { ...options, authoritative: false });
  }
  // Read before the lookup: a write during it makes the stored reply stale at once, never wrong.
  const epoch = deps.cacheEpoch?.();
  const answer = await answerInDomain(deps, settings, packet, parsed.domain, parsed.query);
  const reply = encodeReply(packet, answer, options);
  remember(deps, cache, epoch, request, transport, answer, parsed.query, reply);
  return reply;
}

async function reverseAnswer(deps: HandlerDeps, settings: DnsSettings, name: string): Promise<DnsAnswer | undefined> {
  try {
    return await ptrAnswer(deps.rpc, { name, domain: settings.domain, datacenter: settings.datacenter, options: queryOptions(settings, settings.datacenter) });
  } catch (error) {
    deps.logger.warn({ err: error, name }, 'dns: reverse lookup failed');
    return errorAnswer('SERVFAIL');
  }
}

async function answerInDomain(deps: HandlerDeps, settings: DnsSettings, packet: Packet, domain: string, query: Parameters<typeof lookup>[2]['query']): Promise<DnsAnswer> {
  const question = packet.questions?.[0];
  if (question === undefined) return errorAnswer('FORMERR');
  try {
    return await lookup(deps, settings, { name: question.name, type: question.type, domain, query });
  } catch (error) {
    deps.logger.warn({ err: error, name: question.name }, 'dns: lookup failed');
    return errorAnswer('SERVFAIL');
  }
}
