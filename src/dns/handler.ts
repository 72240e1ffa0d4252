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
//
// A lookup that fails (a server error, no leader) is SERVFAIL. Nothing here throws to the server.

import type { Logger } from 'pino';
import type { Packet } from 'dns-packet';
import type { Clock } from '../lib/clock.js';
import { errorAnswer, type DnsAnswer } from './answer.js';
import { lookup, queryOptions, type DnsSettings, type LookupDeps } from './lookup.js';
import { parseName } from './parse-name.js';
import { isReverseName, ptrAnswer } from './ptr.js';
import { recurse } from './recursor.js';
import { checkHeader, decodeRequest, encodeReply, headerOnlyReply, type Transport } from './reply.js';
import { unreachable } from '../lib/assert.js';

export interface HandlerDeps extends LookupDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: () => DnsSettings;
}

const answeredClasses = new Set(['IN', 'ANY']);

export async function handleRequest(deps: HandlerDeps, request: Buffer, transport: Transport): Promise<Buffer | undefined> {
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
  const answer = await answerInDomain(deps, settings, packet, parsed.domain, parsed.query);
  return encodeReply(packet, answer, options);
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
