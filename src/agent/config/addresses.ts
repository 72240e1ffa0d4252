// Pure helpers for the address keys: parsing IP lists, spotting the "any" address, choosing the
// address to advertise when the agent binds to any, and normalising DNS recursors. Consul also
// accepts go-sockaddr templates (`{{ GetPrivateIP }}`) and unix sockets in some of these keys;
// taxiway does not, and says so rather than failing later with a confusing bind error.

import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/** Either the value parsed, or why it is not acceptable ("expected ..., got ..."). */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const parsed = <T>(value: T): Parsed<T> => ({ ok: true, value });
const refused = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

/** One IP address; "[::1]" and "[::]" lose their brackets as Consul's parser does. */
export function parseIp(text: string): Parsed<string> {
  const trimmed = text.trim();
  if (trimmed.includes('{{')) return refused(`expected an IP address (go-sockaddr templates are not supported), got ${JSON.stringify(trimmed)}`);
  if (trimmed.startsWith('unix://')) return refused(`expected an IP address (unix sockets are not supported), got ${JSON.stringify(trimmed)}`);
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (isIP(bare) === 0) return refused(`expected an IP address, got ${JSON.stringify(trimmed)}`);
  return parsed(bare);
}

/** A space-separated list of IP addresses (client_addr, addresses.http); "" is an empty list. */
export function parseIpList(text: string): Parsed<string[]> {
  if (text.includes('{{')) return refused(`expected space-separated IP addresses (go-sockaddr templates are not supported), got ${JSON.stringify(text)}`);
  const ips: string[] = [];
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    const ip = parseIp(word);
    if (!ip.ok) return refused(`expected space-separated IP addresses, got ${JSON.stringify(word)}${word.startsWith('unix://') ? ' (unix sockets are not supported)' : ''}`);
    ips.push(ip.value);
  }
  return parsed(ips);
}

/** 0.0.0.0 or :: in any spelling: the agent can listen there but cannot be reached there. */
export function isAnyAddress(ip: string): boolean {
  if (isIPv4(ip)) return ip === '0.0.0.0';
  return isIPv6(ip) && canonicalIpv6(ip) === '::';
}

function canonicalIpv6(ip: string): string {
  // The WHATWG URL parser prints IPv6 hosts in their shortest canonical form.
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** The ranges Consul calls private when it picks an advertise address (RFC 1918 and RFC 6598). */
const privateIpv4Ranges = new BlockList();
privateIpv4Ranges.addSubnet('10.0.0.0', 8, 'ipv4');
privateIpv4Ranges.addSubnet('100.64.0.0', 10, 'ipv4');
privateIpv4Ranges.addSubnet('172.16.0.0', 12, 'ipv4');
privateIpv4Ranges.addSubnet('192.168.0.0', 16, 'ipv4');

/** IPv6 ranges that are not publicly routable: unique local, link local, loopback. */
const nonPublicIpv6Ranges = new BlockList();
nonPublicIpv6Ranges.addSubnet('fc00::', 7, 'ipv6');
nonPublicIpv6Ranges.addSubnet('fe80::', 10, 'ipv6');
nonPublicIpv6Ranges.addAddress('::1', 'ipv6');

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * The address to advertise when binding to any: the one private IPv4 address (bind 0.0.0.0) or
 * the one public IPv6 address (bind ::) of this host. None, or several, is an error the user
 * resolves with -advertise or -bind, as in Consul (agent/config/builder.go, advertiseAddrFunc).
 */
export function detectAdvertiseAddress(bindIp: string, interfaces: InterfaceTable): Parsed<string> {
  const wantIpv4 = isIPv4(bindIp);
  const kind = wantIpv4 ? 'private IPv4' : 'public IPv6';
  const candidates = new Set<string>();
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (wantIpv4 && entry.family === 'IPv4' && privateIpv4Ranges.check(entry.address, 'ipv4')) candidates.add(entry.address);
      if (!wantIpv4 && entry.family === 'IPv6' && !nonPublicIpv6Ranges.check(entry.address, 'ipv6')) candidates.add(entry.address);
    }
  }
  const found = [...candidates];
  const hint = 'set -advertise (advertise_addr) or -bind (bind_addr)';
  if (found.length === 0) return refused(`expected one ${kind} address on this host to advertise, found none; ${hint}`);
  if (found.length > 1) return refused(`expected one ${kind} address on this host to advertise, found ${found.length} (${found.join(', ')}); ${hint}`);
  return parsed(found[0] as string);
}

/** The port a recursor without one is asked on. */
const dnsPort = 53;

/**
 * A DNS recursor as "ip:port" ("[ip6]:port"), adding port 53 when none is given. Consul would
 * also resolve a host name here; taxiway wants addresses so that start-up does no DNS lookups.
 */
export function parseRecursor(text: string): Parsed<string> {
  const trimmed = text.trim();
  const expected = `expected a recursor IP address with an optional port such as "8.8.8.8" or "[2001:db8::1]:53", got ${JSON.stringify(trimmed)}`;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  const hostPort = /^([^:]+):(\d+)$/.exec(trimmed);
  const host = bracketed?.[1] ?? hostPort?.[1] ?? trimmed;
  const portText = bracketed?.[2] ?? hostPort?.[2];
  const port = portText === undefined ? dnsPort : Number(portText);
  if (isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return refused(expected);
  if (isAnyAddress(host)) return refused(`expected a recursor address other than 0.0.0.0 or ::, got ${JSON.stringify(trimmed)}`);
  return parsed(isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`);
}
