// parseName: a question name → what it asks for. Pure. Consul's rules (agent/dns.go, dispatch):
// strip the domain (or alt domain), then the rightmost label that names a kind (service, connect,
// node, query, addr, virtual) splits the rest into the parts before it and at most a datacenter
// after it ("web.service.dc1.consul", or "web.service.dc1.dc.consul").
//
//   web.service.consul            service web
//   v1.web.service.consul         service web with tag v1 (tags may contain dots: all labels before the last)
//   _web._v1.service.consul       RFC 2782: service web, tag v1; "_tcp" means no tag
//   web.connect.consul            mesh-capable instances of web (sidecars and native)
//   n1.node.consul                node n1
//   7f000001.addr.consul          the address 127.0.0.1 (32 hex digits: IPv6)
//   q.query.consul                prepared query q (also q.query.dc1.consul)
//   _q._tcp.query.consul          RFC 2782: prepared query q
//   consul.                       the domain itself (SOA, NS)

/** What a name inside our domain asks for; `datacenter` is "" for the agent's own. */
export type DnsQuery =
  | { readonly kind: 'service'; readonly service: string; readonly tag: string; readonly datacenter: string; readonly connect: boolean }
  | { readonly kind: 'node'; readonly node: string; readonly datacenter: string }
  | { readonly kind: 'addr'; readonly family: 4 | 6; readonly address: string }
  | { readonly kind: 'query'; readonly query: string; readonly datacenter: string }
  | { readonly kind: 'virtual'; readonly service: string }
  | { readonly kind: 'apex' }
  /** Inside the domain but no valid form: NXDOMAIN. */
  | { readonly kind: 'invalid' };

export type ParsedName =
  | { readonly inDomain: true; readonly domain: string; readonly query: DnsQuery }
  /** Outside every domain we serve: recursors or REFUSED. */
  | { readonly inDomain: false };

const kinds = new Set(['service', 'connect', 'node', 'query', 'addr', 'virtual']);

/**
 * `name` as it came in the question (any case, with or without the trailing dot); `domains` lower
 * case with a trailing dot ("consul."), empty strings ignored. The first domain that matches wins.
 */
export function parseName(name: string, domains: readonly string[]): ParsedName {
  const lower = name.toLowerCase();
  const fqdn = lower.endsWith('.') ? lower : `${lower}.`;
  for (const domain of domains) {
    if (domain === '') continue;
    if (fqdn === domain) return { inDomain: true, domain, query: { kind: 'apex' } };
    if (fqdn.endsWith(`.${domain}`)) {
      const rest = fqdn.slice(0, fqdn.length - domain.length - 1);
      return { inDomain: true, domain, query: parseLabels(rest.split('.')) };
    }
  }
  return { inDomain: false };
}

function parseLabels(labels: readonly string[]): DnsQuery {
  if (labels.some((label) => label === '')) return { kind: 'invalid' };
  for (let i = labels.length - 1; i >= 0; i--) {
    const kind = labels[i] ?? '';
    if (!kinds.has(kind)) continue;
    const datacenter = datacenterOf(labels.slice(i + 1));
    if (datacenter === undefined) return { kind: 'invalid' };
    return queryOf(kind, labels.slice(0, i), datacenter);
  }
  return { kind: 'invalid' };
}

/** The labels after the kind: none, "<dc>", or "<dc>.dc". */
function datacenterOf(suffix: readonly string[]): string | undefined {
  if (suffix.length === 0) return '';
  if (suffix.length === 1) return suffix[0];
  if (suffix.length === 2 && suffix[1] === 'dc') return suffix[0];
  return undefined;
}

function queryOf(kind: string, parts: readonly string[], datacenter: string): DnsQuery {
  if (parts.length === 0) return { kind: 'invalid' };
  switch (kind) {
    case 'service':
      return serviceQuery(parts, datacenter);
    case 'connect':
      return parts.length === 1 ? { kind: 'service', service: parts[0] ?? '', tag: '', datacenter, connect: true } : { kind: 'invalid' };
    case 'node':
      return { kind: 'node', node: parts.join('.'), datacenter };
    case 'query':
      return { kind: 'query', query: preparedQueryName(parts), datacenter };
    case 'virtual':
      return parts.length === 1 ? { kind: 'virtual', service: parts[0] ?? '' } : { kind: 'invalid' };
    case 'addr':
      return parts.length === 1 ? addrQuery(parts[0] ?? '') : { kind: 'invalid' };
    default:
      return { kind: 'invalid' };
  }
}

/** RFC 2782 "_name._tcp" (the last label is the ignored protocol), else the labels joined. */
function preparedQueryName(parts: readonly string[]): string {
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length >= 2 && first.startsWith('_') && last.startsWith('_')) return parts.slice(0, -1).join('.').slice(1);
  return parts.join('.');
}

function serviceQuery(parts: readonly string[], datacenter: string): DnsQuery {
  const [first = '', second = ''] = parts;
  // RFC 2782: _service._proto (or _service._tag).
  if (parts.length === 2 && first.startsWith('_') && second.startsWith('_')) {
    const tag = second.slice(1);
    return { kind: 'service', service: first.slice(1), tag: tag === 'tcp' ? '' : tag, datacenter, connect: false };
  }
  const service = parts[parts.length - 1] ?? '';
  return { kind: 'service', service, tag: parts.slice(0, -1).join('.'), datacenter, connect: false };
}

/** "7f000001" → 127.0.0.1; 32 hex digits → the IPv6 address in full form. */
function addrQuery(hex: string): DnsQuery {
  if (!/^[0-9a-f]+$/.test(hex)) return { kind: 'invalid' };
  if (hex.length === 8) {
    const bytes = [0, 2, 4, 6].map((at) => parseInt(hex.slice(at, at + 2), 16));
    return { kind: 'addr', family: 4, address: bytes.join('.') };
  }
  if (hex.length === 32) {
    const groups = [0, 4, 8, 12, 16, 20, 24, 28].map((at) => hex.slice(at, at + 4));
    return { kind: 'addr', family: 6, address: groups.join(':') };
  }
  return { kind: 'invalid' };
}

/** The inverse of addrQuery's decoding: the label Consul writes for an IP ("7f000001"). */
export function addrLabel(address: string): string {
  if (address.includes(':')) return expandIpv6(address).replace(/:/g, '');
  return address
    .split('.')
    .map((octet) => Number(octet).toString(16).padStart(2, '0'))
    .join('');
}

/** "::1" → "0000:0000:...:0001". Assumes a valid IPv6 text (from the catalog, already checked). */
export function expandIpv6(address: string): string {
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return groups.map((group) => group.padStart(4, '0')).join(':');
}
