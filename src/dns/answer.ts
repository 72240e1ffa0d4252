// answer: what the catalog said → the records of a reply. Pure: the caller did the lookups
// (lookup.ts), passes the time for the SOA serial and a Random for the shuffle. Consul's rules
// (agent/dns.go):
//
//   - Only healthy instances: an instance with a critical check is left out, and with only_passing
//     a warning one too. The rest are shuffled so that clients spread their load.
//   - A/AAAA: the service address, else the node's; a hostname becomes a CNAME. SRV: priority 1,
//     weight from Weights (Passing or Warning), target the node's FQDN "<node>.node.<dc>.<domain>"
//     (or "<hex-ip>.addr.<dc>.<domain>" when the service has its own IP), with the target's A/AAAA
//     and the node's meta as TXT in the additional section. TXT: node meta "key=value".
//   - A name that exists but has no record of the asked type: NOERROR, no answers, SOA in the
//     authority section. A name that does not exist (no healthy instance, unknown node): NXDOMAIN
//     with the SOA.

import type { Answer, RecordType } from 'dns-packet';
import { type Random, shuffle } from '../lib/random.js';
import type { ServiceEntry } from '../rpc/protocol.js';
import type { Node } from '../structs/node.js';
import type { DnsConfig } from '../agent/config/runtime-config.js';
import { addrLabel } from './parse-name.js';
import { isIp, ipFamily } from './ip.js';

/** A question's type: a record type, or ANY (255), which dns-packet decodes but does not type. */
export type QuestionType = RecordType | 'ANY';

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export interface DnsAnswer {
  readonly rcode: Rcode;
  readonly answers: Answer[];
  readonly authorities: Answer[];
  readonly additionals: Answer[];
}

/** What a reply is built for: the question as asked and where it was asked. */
export interface AnswerContext {
  /** The question name exactly as asked (answers repeat it). */
  readonly name: string;
  readonly type: QuestionType;
  /** The domain the name matched, lower case with its trailing dot. */
  readonly domain: string;
  /** The datacenter the records are in (the agent's own when the name gave none). */
  readonly datacenter: string;
  readonly config: DnsConfig;
  /** Wall-clock seconds, the SOA serial (Consul uses the current Unix time). */
  readonly nowSeconds: number;
  readonly random: Random;
}

export function soaRecord(context: AnswerContext): Answer {
  const { domain, config } = context;
  return {
    type: 'SOA',
    name: domain,
    ttl: config.soa.minTtlSeconds,
    data: {
      mname: `ns.${domain}`,
      rname: `hostmaster.${domain}`,
      serial: context.nowSeconds >>> 0,
      refresh: config.soa.refreshSeconds,
      retry: config.soa.retrySeconds,
      expire: config.soa.expireSeconds,
      minimum: config.soa.minTtlSeconds,
    },
  };
}

/** NXDOMAIN (the name does not exist) or an empty NOERROR (no record of that type), with the SOA. */
export function emptyAnswer(context: AnswerContext, rcode: 'NOERROR' | 'NXDOMAIN'): DnsAnswer {
  return { rcode, answers: [], authorities: [soaRecord(context)], additionals: [] };
}

export function errorAnswer(rcode: Rcode): DnsAnswer {
  return { rcode, answers: [], authorities: [], additionals: [] };
}

/** Instances DNS may hand out: no critical check, and with only_passing no warning either. */
export function healthyEntries(entries: readonly ServiceEntry[], onlyPassing: boolean): ServiceEntry[] {
  return entries.filter((entry) => entry.Checks.every((check) => check.Status === 'passing' || (!onlyPassing && check.Status === 'warning')));
}

/** service_ttl: an exact name wins, then the longest "prefix*" pattern; else 0. */
export function serviceTtlSeconds(config: DnsConfig, service: string): number {
  const exact = config.serviceTtlMs[service];
  if (exact !== undefined) return Math.floor(exact / 1000);
  let best: { length: number; ms: number } | undefined;
  for (const [pattern, ms] of Object.entries(config.serviceTtlMs)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (service.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = { length: prefix.length, ms };
  }
  return best === undefined ? 0 : Math.floor(best.ms / 1000);
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function nodeFqdn(node: Node, context: AnswerContext): string {
  return `${node.Node}.node.${node.Datacenter || context.datacenter}.${context.domain}`;
}

/** A, AAAA or CNAME records for `address` under `name`, as far as `type` asks for them. */
export function addressRecords(name: string, address: string, type: QuestionType, ttl: number): Answer[] {
  if (address === '') return [];
  if (!isIp(address)) return type === 'A' || type === 'AAAA' || type === 'ANY' || type === 'CNAME' ? [{ type: 'CNAME', name, ttl, data: fqdn(address) }] : [];
  const family = ipFamily(address);
  if (family === 4 && (type === 'A' || type === 'ANY')) return [{ type: 'A', name, ttl, data: address }];
  if (family === 6 && (type === 'AAAA' || type === 'ANY')) return [{ type: 'AAAA', name, ttl, data: address }];
  return [];
}

/** Node meta as TXT "key=value" (keys prefixed "rfc1035-" give the bare value, as in Consul). */
export function metaTxtRecords(name: string, meta: Readonly<Record<string, string>>, ttl: number): Answer[] {
  return Object.entries(meta).map(([key, value]) => ({
    type: 'TXT' as const,
    name,
    ttl,
    data: key.startsWith('rfc1035-') ? value : `${key}=${value}`,
  }));
}

export interface ServiceAnswerInput {
  readonly service: string;
  readonly entries: readonly ServiceEntry[];
  /** only_passing from dns_config, or a prepared query's OnlyPassing. */
  readonly onlyPassing: boolean;
  /** Overrides service_ttl (a prepared query's DNS.TTL). */
  readonly ttlSeconds?: number;
}

export function serviceAnswer(context: AnswerContext, input: ServiceAnswerInput): DnsAnswer {
  const { config, type } = context;
  let entries = shuffle(healthyEntries(input.entries, input.onlyPassing), context.random);
  if (entries.length === 0) return emptyAnswer(context, 'NXDOMAIN');
  if (config.aRecordLimit > 0 && (type === 'A' || type === 'AAAA' || type === 'ANY')) entries = entries.slice(0, config.aRecordLimit);
  const ttl = input.ttlSeconds ?? serviceTtlSeconds(config, input.service);
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  for (const entry of entries) {
    const address = entry.Service.Address || entry.Node.Address;
    if (type === 'SRV') {
      const { target, extra } = srvTarget(entry, context, ttl);
      answers.push({ type: 'SRV', name: context.name, ttl, data: { priority: 1, weight: srvWeight(entry), port: entry.Service.Port, target } });
      additionals.push(...extra);
    } else if (type === 'TXT') {
      answers.push(...metaTxtRecords(context.name, entry.Node.Meta, ttl));
    } else {
      answers.push(...addressRecords(context.name, address, type, ttl));
    }
  }
  const unique = dedupe(answers);
  if (unique.length === 0) return emptyAnswer(context, 'NOERROR');
  return { rcode: 'NOERROR', answers: unique, authorities: [], additionals: dedupe(additionals) };
}

function srvWeight(entry: ServiceEntry): number {
  const warning = entry.Checks.some((check) => check.Status === 'warning');
  const weight = warning ? entry.Service.Weights.Warning : entry.Service.Weights.Passing;
  return Math.max(0, Math.min(65_535, weight));
}

function srvTarget(entry: ServiceEntry, context: AnswerContext, ttl: number): { target: string; extra: Answer[] } {
  const serviceAddress = entry.Service.Address;
  const node = entry.Node;
  if (serviceAddress !== '' && serviceAddress !== node.Address) {
    if (!isIp(serviceAddress)) return { target: fqdn(serviceAddress), extra: [] };
    const target = `${addrLabel(serviceAddress)}.addr.${node.Datacenter || context.datacenter}.${context.domain}`;
    return { target, extra: addressRecords(target, serviceAddress, 'ANY', ttl) };
  }
  const target = nodeFqdn(node, context);
  const extra = addressRecords(target, node.Address, 'ANY', ttl);
  if (context.config.enableAdditionalNodeMetaTxt) extra.push(...metaTxtRecords(target, node.Meta, ttl));
  return { target, extra };
}

/** Identical records (two instances on one address) once only, as Consul does. */
function dedupe(records: Answer[]): Answer[] {
  if (records.length < 2) return records;
  const seen = new Set<string>();
  return records.filter((record) => {
    const key = `${record.type} ${record.name} ${dataKey(record)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The record data as text, cheaply for the types answers carry. */
function dataKey(record: Answer): string {
  if (record.type === 'A' || record.type === 'AAAA' || record.type === 'CNAME' || record.type === 'NS') return record.data;
  if (record.type === 'SRV') return `${record.data.port} ${record.data.weight ?? 0} ${record.data.target}`;
  if (record.type === 'TXT' && typeof record.data === 'string') return record.data;
  return JSON.stringify(record);
}

export function nodeAnswer(context: AnswerContext, node: Node | null): DnsAnswer {
  if (node === null) return emptyAnswer(context, 'NXDOMAIN');
  const ttl = Math.floor(context.config.nodeTtlMs / 1000);
  const { type } = context;
  // Consul answers node names for A, AAAA, TXT and ANY only; meta goes to the answer for TXT and
  // ANY, else to the additional section when enable_additional_node_meta_txt is on.
  if (type !== 'A' && type !== 'AAAA' && type !== 'TXT' && type !== 'ANY') return emptyAnswer(context, 'NOERROR');
  const answers = type === 'TXT' ? [] : addressRecords(context.name, node.Address, type, ttl);
  const meta = metaTxtRecords(context.name, node.Meta, ttl);
  const metaInAnswer = type === 'TXT' || type === 'ANY';
  if (metaInAnswer) answers.push(...meta);
  if (answers.length === 0) return emptyAnswer(context, 'NOERROR');
  const additionals = !metaInAnswer && context.config.enableAdditionalNodeMetaTxt ? meta : [];
  return { rcode: 'NOERROR', answers, authorities: [], additionals };
}

export function addrAnswer(context: AnswerContext, address: string): DnsAnswer {
  const answers = addressRecords(context.name, address, context.type, Math.floor(context.config.nodeTtlMs / 1000));
  if (answers.length === 0) return emptyAnswer(context, 'NOERROR');
  return { rcode: 'NOERROR', answers, authorities: [], additionals: [] };
}

/** The domain itself: SOA, and NS naming the servers ("<node>.server.<dc>.<domain>") with their addresses. */
export function apexAnswer(context: AnswerContext, servers: readonly ServiceEntry[]): DnsAnswer {
  const { type } = context;
  const ttl = Math.floor(context.config.nodeTtlMs / 1000);
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  if (type === 'SOA' || type === 'ANY') answers.push(soaRecord(context));
  if (type === 'NS' || type === 'ANY') {
    for (const server of healthyEntries(servers, false)) {
      const target = `${server.Node.Node}.server.${server.Node.Datacenter || context.datacenter}.${context.domain}`;
      answers.push({ type: 'NS', name: context.domain, ttl, data: target });
      additionals.push(...addressRecords(target, server.Node.Address, 'ANY', ttl));
    }
  }
  if (answers.length === 0) return emptyAnswer(context, 'NOERROR');
  return { rcode: 'NOERROR', answers, authorities: [], additionals };
}
