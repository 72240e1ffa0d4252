// PTR: reverse lookups of node and service addresses (Consul's handlePtr). A name under
// in-addr.arpa. or ip6.arpa. is turned back into an address; the node with that address answers
// "<node>.node.<dc>.<domain>", else the first service instance registered with that address
// answers "<service>.service.<dc>.<domain>". Nothing found: the recursors are asked, and without
// recursors the answer is SERVFAIL, as Consul's handleRecurse answers with none configured.

import type { Answer } from 'dns-packet';
import type { QueryOptions, RpcClient } from '../rpc/protocol.js';
import type { DnsAnswer } from './answer.js';
import { expandIpv6 } from './parse-name.js';

/** The address a reverse name stands for, in the catalog's text form; undefined if it is none. */
export function reverseAddress(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower.endsWith('.in-addr.arpa')) {
    const octets = lower.slice(0, -'.in-addr.arpa'.length).split('.');
    if (octets.length !== 4 || !octets.every((octet) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(octet))) return undefined;
    return octets.reverse().join('.');
  }
  if (lower.endsWith('.ip6.arpa')) {
    const nibbles = lower.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((nibble) => /^[0-9a-f]$/.test(nibble))) return undefined;
    const hex = nibbles.reverse().join('');
    return [0, 4, 8, 12, 16, 20, 24, 28].map((at) => hex.slice(at, at + 4)).join(':');
  }
  return undefined;
}

/** Whether a question name is a reverse lookup Consul answers itself (anything under arpa.). */
export function isReverseName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith('.arpa') || lower.endsWith('.arpa.');
}

/** Addresses compared in one form: IPv6 fully expanded, IPv4 as it is. */
function sameAddress(catalogAddress: string, address: string): boolean {
  if (!address.includes(':')) return catalogAddress === address;
  return catalogAddress.includes(':') && expandIpv6(catalogAddress.toLowerCase()) === address;
}

export interface PtrRequest {
  readonly name: string;
  readonly domain: string;
  readonly datacenter: string;
  readonly options: QueryOptions;
}

/** The PTR answer for a reverse name, or undefined when no node or service has that address. */
export async function ptrAnswer(rpc: RpcClient, request: PtrRequest): Promise<DnsAnswer | undefined> {
  const address = reverseAddress(request.name);
  if (address === undefined) return undefined;
  const target = await ptrTarget(rpc, request, address);
  if (target === undefined) return undefined;
  const answer: Answer = { type: 'PTR', name: request.name, ttl: 0, data: target };
  return { rcode: 'NOERROR', answers: [answer], authorities: [], additionals: [] };
}

async function ptrTarget(rpc: RpcClient, request: PtrRequest, address: string): Promise<string | undefined> {
  const { domain, datacenter, options } = request;
  const nodes = (await rpc.call('Catalog.ListNodes', { ...options, nodeMeta: {} })).value;
  const node = nodes.find((each) => sameAddress(each.Address, address));
  if (node !== undefined) return `${node.Node}.node.${node.Datacenter || datacenter}.${domain}`;
  const services = Object.keys((await rpc.call('Catalog.ListServices', { ...options, nodeMeta: {} })).value);
  for (const serviceName of services) {
    const instances = (await rpc.call('Catalog.ServiceNodes', { ...options, serviceName, tags: [], nodeMeta: {}, connect: false })).value;
    const instance = instances.find((each) => typeof each.ServiceAddress === 'string' && sameAddress(each.ServiceAddress, address));
    if (instance !== undefined) return `${serviceName}.service.${(instance.Datacenter as string) || datacenter}.${domain}`;
  }
  return undefined;
}
