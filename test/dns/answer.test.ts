// Goal: answer.ts builds Consul's records: health filtering (critical out; warning out with
// only_passing), shuffling through the injected Random, A/AAAA/CNAME from service or node address,
// SRV with node FQDN or addr target plus A and TXT additionals, TTLs from service_ttl/node_ttl,
// NXDOMAIN/NOERROR with the SOA, NS for the apex. Method: table-like tests on pure functions with
// fixed catalog rows and a SeededRandom.

import test from 'ava';
import { addrAnswer, apexAnswer, healthyEntries, nodeAnswer, serviceAnswer, serviceTtlSeconds } from '../../src/dns/answer.js';
import { shuffle } from '../../src/lib/random.js';
import { SeededRandom } from '../../src/lib/random.js';
import { context, defaultDnsConfig, entry, node } from './fixtures.js';

const web = [
  entry({ node: 'n1', address: '10.0.0.1' }),
  entry({ node: 'n2', address: '10.0.0.2', statuses: ['warning'] }),
  entry({ node: 'n3', address: '10.0.0.3', statuses: ['passing', 'critical'] }),
  entry({ node: 'n4', address: '10.0.0.4', serviceAddress: '10.9.9.4', port: 8080, meta: { rack: 'r1' } }),
];

test('critical instances are left out; warning ones too with only_passing', (t) => {
  t.deepEqual(healthyEntries(web, false).map((e) => e.Node.Node), ['n1', 'n2', 'n4']);
  t.deepEqual(healthyEntries(web, true).map((e) => e.Node.Node), ['n1', 'n4']);
});

test('A answers carry the service address, else the node address, shuffled by the Random', (t) => {
  const answer = serviceAnswer(context(), { service: 'web', entries: web, onlyPassing: false });
  t.is(answer.rcode, 'NOERROR');
  const addresses = answer.answers.map((a) => (a.type === 'A' ? a.data : '')).sort();
  t.deepEqual(addresses, ['10.0.0.1', '10.0.0.2', '10.9.9.4']);
  const orders = new Set<string>();
  for (let seed = 0; seed < 20; seed++) {
    const shuffled = serviceAnswer(context({ random: new SeededRandom(seed) }), { service: 'web', entries: web, onlyPassing: false });
    orders.add(shuffled.answers.map((a) => (a.type === 'A' ? a.data : '')).join(','));
  }
  t.true(orders.size > 1, 'different seeds give different orders');
});

test('the same seed gives the same order', (t) => {
  const a = serviceAnswer(context({ random: new SeededRandom(3) }), { service: 'web', entries: web, onlyPassing: false });
  const b = serviceAnswer(context({ random: new SeededRandom(3) }), { service: 'web', entries: web, onlyPassing: false });
  t.deepEqual(a, b);
});

test('shuffle is a permutation', (t) => {
  const items = [1, 2, 3, 4, 5, 6, 7];
  t.deepEqual([...shuffle([...items], new SeededRandom(9))].sort(), items);
});

test('SRV: node FQDN target with A and node meta TXT additionals; service IP → addr target', (t) => {
  const answer = serviceAnswer(context({ type: 'SRV' }), { service: 'web', entries: [web[0]!, web[3]!], onlyPassing: false });
  const srv = answer.answers.flatMap((a) => (a.type === 'SRV' ? [a.data] : [])).sort((x, y) => x.port - y.port);
  t.deepEqual(srv, [
    { priority: 1, weight: 1, port: 80, target: 'n1.node.dc1.consul.' },
    { priority: 1, weight: 1, port: 8080, target: '0a090904.addr.dc1.consul.' },
  ]);
  t.true(answer.additionals.some((a) => a.type === 'A' && a.name === 'n1.node.dc1.consul.' && a.data === '10.0.0.1'));
  t.true(answer.additionals.some((a) => a.type === 'A' && a.name === '0a090904.addr.dc1.consul.' && a.data === '10.9.9.4'));
  const noTxt = serviceAnswer(context({ type: 'SRV', config: { ...defaultDnsConfig, enableAdditionalNodeMetaTxt: false } }), { service: 'web', entries: [entry({ node: 'm', address: '10.1.1.1', meta: { a: 'b' } })], onlyPassing: false });
  t.false(noTxt.additionals.some((a) => a.type === 'TXT'));
  const withTxt = serviceAnswer(context({ type: 'SRV' }), { service: 'web', entries: [entry({ node: 'm', address: '10.1.1.1', meta: { a: 'b' } })], onlyPassing: false });
  t.true(withTxt.additionals.some((a) => a.type === 'TXT' && a.data === 'a=b'));
});

test('AAAA for IPv6 addresses, none for IPv4; a hostname becomes a CNAME', (t) => {
  const v6 = [entry({ node: 'n6', address: '2001:db8::1' })];
  t.deepEqual(serviceAnswer(context({ type: 'AAAA' }), { service: 'web', entries: v6, onlyPassing: false }).answers, [{ type: 'AAAA', name: 'web.service.consul', ttl: 0, data: '2001:db8::1' }]);
  const none = serviceAnswer(context({ type: 'AAAA' }), { service: 'web', entries: [web[0]!], onlyPassing: false });
  t.is(none.rcode, 'NOERROR');
  t.deepEqual(none.answers, []);
  t.is(none.authorities[0]?.type, 'SOA');
  const host = serviceAnswer(context(), { service: 'web', entries: [entry({ node: 'h', address: '10.0.0.1', serviceAddress: 'db.example.com' })], onlyPassing: false });
  t.deepEqual(host.answers, [{ type: 'CNAME', name: 'web.service.consul', ttl: 0, data: 'db.example.com.' }]);
});

test('no healthy instance is NXDOMAIN with the SOA', (t) => {
  const answer = serviceAnswer(context(), { service: 'web', entries: [web[2]!], onlyPassing: false });
  t.is(answer.rcode, 'NXDOMAIN');
  t.is(answer.authorities.length, 1);
  const soa = answer.authorities[0];
  t.is(soa?.type, 'SOA');
  if (soa?.type === 'SOA') t.like(soa.data, { mname: 'ns.consul.', rname: 'hostmaster.consul.', serial: 1_700_000_000, refresh: 3600 });
});

test('service_ttl: exact, then longest prefix, else 0; node_ttl for nodes', (t) => {
  const config = { ...defaultDnsConfig, serviceTtlMs: { '*': 5000, 'we*': 7000, 'web*': 10_000, db: 30_000 }, nodeTtlMs: 4000 };
  t.is(serviceTtlSeconds(config, 'web'), 10);
  t.is(serviceTtlSeconds(config, 'wet'), 7);
  t.is(serviceTtlSeconds(config, 'db'), 30);
  t.is(serviceTtlSeconds(config, 'other'), 5);
  t.is(serviceTtlSeconds(defaultDnsConfig, 'web'), 0);
  const answer = serviceAnswer(context({ config }), { service: 'web', entries: [web[0]!], onlyPassing: false });
  t.like(answer.answers[0], { ttl: 10 });
  const nodeReply = nodeAnswer(context({ config, name: 'n1.node.consul' }), node('n1', '10.0.0.1'));
  t.like(nodeReply.answers[0], { ttl: 4 });
});

test('a_record_limit caps A answers', (t) => {
  const answer = serviceAnswer(context({ config: { ...defaultDnsConfig, aRecordLimit: 1 } }), { service: 'web', entries: web, onlyPassing: false });
  t.is(answer.answers.length, 1);
});

test('nodes: A, TXT meta, NXDOMAIN when unknown', (t) => {
  const n = node('n1', '10.0.0.1', { rack: 'r1', 'rfc1035-raw': 'v=spf1' });
  t.deepEqual(nodeAnswer(context({ name: 'n1.node.consul' }), n).answers, [{ type: 'A', name: 'n1.node.consul', ttl: 0, data: '10.0.0.1' }]);
  const txt = nodeAnswer(context({ name: 'n1.node.consul', type: 'TXT' }), n).answers.map((a) => (a.type === 'TXT' ? a.data : ''));
  t.deepEqual(txt, ['rack=r1', 'v=spf1']);
  t.is(nodeAnswer(context(), null).rcode, 'NXDOMAIN');
});

test('addr answers the decoded IP for its family only', (t) => {
  t.deepEqual(addrAnswer(context({ name: '7f000001.addr.consul' }), '127.0.0.1').answers, [{ type: 'A', name: '7f000001.addr.consul', ttl: 0, data: '127.0.0.1' }]);
  t.deepEqual(addrAnswer(context({ type: 'AAAA' }), '127.0.0.1').answers, []);
});

test('apex: SOA, and NS naming each server with its address in the additionals', (t) => {
  const servers = [entry({ node: 's1', address: '10.0.0.9', service: 'consul' })];
  const soa = apexAnswer(context({ name: 'consul', type: 'SOA' }), servers);
  t.is(soa.answers[0]?.type, 'SOA');
  const ns = apexAnswer(context({ name: 'consul', type: 'NS' }), servers);
  t.deepEqual(ns.answers, [{ type: 'NS', name: 'consul.', ttl: 0, data: 's1.server.dc1.consul.' }]);
  t.deepEqual(ns.additionals, [{ type: 'A', name: 's1.server.dc1.consul.', ttl: 0, data: '10.0.0.9' }]);
  const empty = apexAnswer(context({ name: 'consul', type: 'A' }), servers);
  t.is(empty.rcode, 'NOERROR');
  t.is(empty.authorities[0]?.type, 'SOA');
});
