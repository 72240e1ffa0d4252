// Goal: the hand-written DER writer and reader agree with each other and with Node's X.509
// parser: integers keep their value and sign, OIDs round-trip, times switch from UTCTime to
// GeneralizedTime in 2050, and SPIFFE IDs format and parse back.
// Method: fast-check properties over random values; table cases for the edges.

import { X509Certificate } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import * as der from '../../src/connect/ca/der.js';
import { childrenOf, contentOf, oidOf, readNode } from '../../src/connect/ca/der-read.js';
import { formatServiceSpiffeId, parseServiceSpiffeId } from '../../src/connect/spiffe.js';
import { issueLeaf, makeRoot } from './fixtures.js';

test('OIDs round-trip through the writer and the reader', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { maxLength: 8 }), (a, b, rest) => {
      const dotted = [a, b, ...rest].join('.');
      const encoded = der.oid(dotted);
      return oidOf(encoded, readNode(encoded, 0)) === dotted;
    }),
  );
  t.pass();
});

test('unsigned integers are positive, minimal, and keep their value', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (bytes) => {
      const encoded = der.unsignedInteger(Buffer.from(bytes));
      const content = contentOf(encoded, readNode(encoded, 0));
      const value = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
      return ((content[0] ?? 0) & 0x80) === 0 && BigInt(`0x${content.toString('hex')}`) === value && (content.length === 1 || content[0] !== 0 || ((content[1] ?? 0) & 0x80) !== 0);
    }),
  );
  t.pass();
});

test('long lengths and nesting read back', (t) => {
  const big = der.sequence(der.octetString(Buffer.alloc(70_000, 7)), der.sequence());
  const children = childrenOf(big, readNode(big, 0));
  t.is(children.length, 2);
  t.is(contentOf(big, children[0] ?? readNode(big, 0)).length, 70_000);
});

test('times: UTCTime until 2049, GeneralizedTime from 2050', (t) => {
  t.is(der.time(Date.UTC(2049, 11, 31, 23, 59, 59)).toString('latin1', 2), '491231235959Z');
  t.is(der.time(Date.UTC(2050, 0, 1)).toString('latin1', 2), '20500101000000Z');
  t.is(der.time(Date.UTC(2050, 0, 1))[0], 0x18);
});

test('a leaf written by the DER writer parses in Node with the fields we put in', async (t) => {
  const root = await makeRoot();
  const leaf = await issueLeaf(root, 'web');
  const cert = new X509Certificate(leaf.cert.CertPEM);
  t.true(cert.checkIssued(new X509Certificate(root.RootCert)));
  t.true(cert.verify(new X509Certificate(root.RootCert).publicKey));
  t.is(cert.subject, 'CN=web');
  t.is(cert.serialNumber.toLowerCase(), leaf.cert.SerialNumber.replace(/:/g, ''));
  t.false(cert.ca);
});

test('SPIFFE service IDs format and parse back; other URIs are not service IDs', (t) => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.string({ minLength: 1, maxLength: 20 }), (dc, service) => {
      const id = { trustDomain: 'abc.consul', namespace: 'default', datacenter: dc, service };
      const parsed = parseServiceSpiffeId(formatServiceSpiffeId(id));
      return parsed !== undefined && parsed.service === service && parsed.datacenter === dc;
    }),
  );
  t.is(parseServiceSpiffeId('spiffe://abc.consul'), undefined);
  t.is(parseServiceSpiffeId('spiffe://abc.consul/ns/default/dc/dc1/agent/client/dc/dc1/id/x'), undefined);
  t.is(parseServiceSpiffeId('https://abc.consul/ns/default/dc/dc1/svc/web'), undefined);
});
