// Goal: reverse names (in-addr.arpa., ip6.arpa.) turn back into the addresses the catalog holds,
// and anything malformed is not an address. Method: table tests on the pure parser.

import test from 'ava';
import { isReverseName, reverseAddress } from '../../src/dns/ptr.js';

const cases: [string, string | undefined][] = [
  ['1.0.1.10.in-addr.arpa.', '10.1.0.1'],
  ['4.0.9.10.IN-ADDR.ARPA', '10.9.0.4'],
  [`${'6.0.0.0.'.repeat(1)}${'0.0.0.0.'.repeat(6)}0.0.d.f.ip6.arpa.`, 'fd00:0000:0000:0000:0000:0000:0000:0006'],
  ['0.1.10.in-addr.arpa.', undefined],
  ['256.0.1.10.in-addr.arpa.', undefined],
  ['01.0.1.10.in-addr.arpa.', undefined],
  ['1.0.ip6.arpa.', undefined],
  ['x.0.0.0.in-addr.arpa.', undefined],
  ['web.service.consul.', undefined],
];

for (const [name, expected] of cases) {
  test(`reverseAddress(${JSON.stringify(name)})`, (t) => {
    t.is(reverseAddress(name), expected);
  });
}

test('isReverseName: anything under arpa', (t) => {
  t.true(isReverseName('1.0.0.127.in-addr.arpa.'));
  t.true(isReverseName('foo.ARPA'));
  t.false(isReverseName('arpa.example.'));
});
