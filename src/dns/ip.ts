// IP text checks for DNS records, without node:net so that the pure answer code stays pure.

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv6 = /^[0-9a-fA-F:]+$/;

export function ipFamily(address: string): 4 | 6 | undefined {
  if (ipv4.test(address)) return 4;
  // A plain IPv6 text: hex groups and colons, at least two colons, at most one "::".
  if (ipv6.test(address) && address.includes(':') && address.split('::').length <= 2 && address.split(':').length <= 8 + 1) return 6;
  return undefined;
}

export function isIp(address: string): boolean {
  return ipFamily(address) !== undefined;
}
