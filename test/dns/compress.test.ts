// Goal: compressed replies decode to exactly the records dns-packet encoded (names compared
// case-insensitively), are never larger, keep answer records free of pointers into other answers
// (the answer cache reorders them and the records must stay the same), and leave SRV targets whole.
// Method: a table of typical replies plus fast-check over random record mixes from a small name
// pool; each result is decoded by dns-packet and compared with the uncompressed packet.

import test from 'ava';
import fc from 'fast-check';
import { decode, encode, type Answer, type Packet } from 'dns-packet';
import { AnswerCache } from '../../src/dns/answer-cache.js';
import { compressReply } from '../../src/dns/compress.js';
import { SeededRandom } from '../../src/lib/random.js';

const lower = (packet: Packet): string => JSON.stringify(packet, (_key, value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));

function reply(answers: Answer[], authorities: Answer[] = [], additionals: Answer[] = [], name = 'web.service.consul'): Buffer {
  return encode({ id: 7, type: 'response', flags: 0x8400, questions: [{ name, type: 'SRV', class: 'IN' }], answers, authorities, additionals });
}

const soa: Answer = { type: 'SOA', name: 'consul', ttl: 0, data: { mname: 'ns.consul', rname: 'hostmaster.consul', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 0 } };

test('an SRV reply with additionals: smaller, same records, SRV targets whole', (t) => {
  const answers: Answer[] = [1, 2, 3].map((i) => ({ type: 'SRV', name: 'web.service.consul', ttl: 0, data: { priority: 1, weight: 1, port: 80 + i, target: `n${i}.node.dc1.consul` } }));
  const additionals: Answer[] = [1, 2, 3].map((i) => ({ type: 'A', name: `n${i}.node.dc1.consul`, ttl: 0, data: `10.0.0.${i}` }));
  const plain = reply(answers, [], [...additionals, { type: 'OPT', name: '.', udpPayloadSize: 1232 } as Answer]);
  const compressed = compressReply(plain);
  t.true(compressed.length < plain.length - 40, `${compressed.length} vs ${plain.length}`);
  t.is(lower(decode(compressed)), lower(decode(plain)));
  t.true(compressed.includes(Buffer.from('\x02n1\x04node\x03dc1\x06consul\x00', 'latin1')), 'the SRV target is written in full');
});

test('SOA, CNAME, NS and PTR names are compressed; mixed case keeps meaning', (t) => {
  const plain = reply(
    [
      { type: 'CNAME', name: 'WEB.service.consul', ttl: 0, data: 'web.example.com' },
      { type: 'PTR', name: 'WEB.service.consul', ttl: 0, data: 'web.service.dc1.consul' },
    ],
    [soa, { type: 'NS', name: 'consul', ttl: 0, data: 'ns.consul' }],
    [],
    'WEB.service.consul',
  );
  const compressed = compressReply(plain);
  t.true(compressed.length < plain.length);
  t.is(lower(decode(compressed)), lower(decode(plain)));
});

test('malformed input comes back unchanged', (t) => {
  const plain = reply([{ type: 'A', name: 'web.service.consul', ttl: 0, data: '10.0.0.1' }]);
  const cut = plain.subarray(0, plain.length - 2);
  t.is(compressReply(cut), cut);
  t.is(compressReply(Buffer.alloc(4)).length, 4);
});

const pool = ['web.service.consul', 'n1.node.dc1.consul', 'N2.node.dc1.consul', 'consul', 'a.b.c.d.example', 'node.dc1.consul', 'x.web.service.consul'];
const nameArbitrary = fc.constantFrom(...pool);
const recordArbitrary: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ type: fc.constant('A' as const), name: nameArbitrary, ttl: fc.nat(100), data: fc.constant('10.1.2.3') }),
  fc.record({ type: fc.constant('CNAME' as const), name: nameArbitrary, ttl: fc.nat(100), data: nameArbitrary }),
  fc.record({ type: fc.constant('SRV' as const), name: nameArbitrary, ttl: fc.nat(100), data: fc.record({ priority: fc.nat(9), weight: fc.nat(9), port: fc.nat(65535), target: nameArbitrary }) }),
  fc.record({ type: fc.constant('TXT' as const), name: nameArbitrary, ttl: fc.nat(100), data: fc.constant('k=v') }),
  fc.constant(soa),
);

const sorted = (records: readonly unknown[] | undefined): string[] => (records ?? []).map((record) => lower(record as Packet)).sort();

test('property: any mix decodes to the same records, also with its answers reordered by the cache', (t) => {
  const random = new SeededRandom(3);
  fc.assert(
    fc.property(nameArbitrary, fc.array(recordArbitrary, { maxLength: 6 }), fc.array(recordArbitrary, { maxLength: 3 }), fc.array(recordArbitrary, { maxLength: 6 }), (name, answers, authorities, additionals) => {
      const plain = reply(answers, authorities, additionals, name);
      const compressed = compressReply(plain);
      if (compressed.length > plain.length || lower(decode(compressed)) !== lower(decode(plain))) return false;
      const cache = new AnswerCache();
      cache.store('k', compressed, 1, 0, true);
      for (let i = 0; i < 3; i++) {
        const reordered = decode(cache.lookup('k', compressed, 1, 0, random) as Buffer);
        if (JSON.stringify(sorted(reordered.answers)) !== JSON.stringify(sorted(decode(plain).answers))) return false;
        if (lower({ ...reordered, answers: [] }) !== lower({ ...decode(plain), answers: [] })) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
