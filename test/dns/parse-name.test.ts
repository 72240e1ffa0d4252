// Goal: question names map to Consul's query forms (agent/dns.go dispatch): service, tag,
// RFC 2782, connect, node, addr, query, datacenter suffixes, alt domain, apex, and names outside
// every domain. Method: a table of name → expected ParsedName, plus the addr hex round trip.

import test from 'ava';
import { addrLabel, expandIpv6, parseName, type ParsedName } from '../../src/dns/parse-name.js';

const domains = ['consul.', 'alt.example.'];

const cases: [string, ParsedName][] = [
  ['web.service.consul', { inDomain: true, domain: 'consul.', query: { kind: 'service', service: 'web', tag: '', datacenter: '', connect: false } }],
  ['WEB.Service.CONSUL.', { inDomain: true, domain: 'consul.', query: { kind: 'service', service: 'web', tag: '', datacenter: '', connect: false } }],
  ['web.service.dc2.consul', { inDomain: true, domain: 'consul.', query: { kind: 'service', service: 'web', tag: '', datacenter: 'dc2', connect: false } }],
  ['web.service.dc2.dc.consul', { inDomain: true, domain: 'consul.', query: { kind: 'service', service: 'web', tag: '', datacenter: 'dc2', connect: false } }],
  ['v1.web.service.consul', { inDomain: true, domain: 'consul.', query: { kind: 'service', service: 'web', tag: 'v1', datacenter: '', connect: false } }],
  ['_web._v1.service.consul', { inDomain: true, domain: 'consul.', query: { kind: 'service', service: 'web', tag: 'v1', datacenter: '', connect: false } }],
  ['_web._tcp.service.consul', { inDomain: true, domain: 'consul.', query: { kind: 'service', service: 'web', tag: '', datacenter: '', connect: false } }],
  ['web.connect.consul', { inDomain: true, domain: 'consul.', query: { kind: 'service', service: 'web', tag: '', datacenter: '', connect: true } }],
  ['n1.node.consul', { inDomain: true, domain: 'consul.', query: { kind: 'node', node: 'n1', datacenter: '' } }],
  ['n1.node.dc1.alt.example', { inDomain: true, domain: 'alt.example.', query: { kind: 'node', node: 'n1', datacenter: 'dc1' } }],
  ['7f000001.addr.consul', { inDomain: true, domain: 'consul.', query: { kind: 'addr', family: 4, address: '127.0.0.1' } }],
  ['20010db8000000000000000000000001.addr.consul', { inDomain: true, domain: 'consul.', query: { kind: 'addr', family: 6, address: '2001:0db8:0000:0000:0000:0000:0000:0001' } }],
  ['7f00001.addr.consul', { inDomain: true, domain: 'consul.', query: { kind: 'invalid' } }],
  ['zz000001.addr.consul', { inDomain: true, domain: 'consul.', query: { kind: 'invalid' } }],
  ['q1.query.consul', { inDomain: true, domain: 'consul.', query: { kind: 'query', query: 'q1', datacenter: '' } }],
  ['q.with.dots.query.dc2.consul', { inDomain: true, domain: 'consul.', query: { kind: 'query', query: 'q.with.dots', datacenter: 'dc2' } }],
  ['_q1._tcp.query.consul', { inDomain: true, domain: 'consul.', query: { kind: 'query', query: 'q1', datacenter: '' } }],
  ['web.virtual.consul', { inDomain: true, domain: 'consul.', query: { kind: 'virtual', service: 'web' } }],
  ['consul', { inDomain: true, domain: 'consul.', query: { kind: 'apex' } }],
  ['service.consul', { inDomain: true, domain: 'consul.', query: { kind: 'invalid' } }],
  ['web.nothing.consul', { inDomain: true, domain: 'consul.', query: { kind: 'invalid' } }],
  ['web.service.a.b.c.consul', { inDomain: true, domain: 'consul.', query: { kind: 'invalid' } }],
  ['a..service.consul', { inDomain: true, domain: 'consul.', query: { kind: 'invalid' } }],
  ['example.com', { inDomain: false }],
  ['notconsul', { inDomain: false }],
  ['', { inDomain: false }],
];

for (const [name, expected] of cases) {
  test(`parseName(${JSON.stringify(name)})`, (t) => {
    t.deepEqual(parseName(name, domains), expected);
  });
}

test('addr labels round-trip through parseName', (t) => {
  t.is(addrLabel('10.1.2.3'), '0a010203');
  t.is(addrLabel('::1'), '00000000000000000000000000000001');
  t.is(expandIpv6('fe80::1:2'), 'fe80:0000:0000:0000:0000:0000:0001:0002');
  const parsed = parseName(`${addrLabel('192.168.0.254')}.addr.consul`, domains);
  t.deepEqual(parsed, { inDomain: true, domain: 'consul.', query: { kind: 'addr', family: 4, address: '192.168.0.254' } });
});

test('an empty alt domain is ignored', (t) => {
  t.deepEqual(parseName('web.service.consul', ['', 'consul.']).inDomain, true);
});
