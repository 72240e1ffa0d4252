// Goal: every message survives encode → decode, and no input from the network can make decoding
// throw: random bytes, truncations, wrong types, oversized packets all come back as `bad`.
// Method: round-trip examples of each message type; fast-check over arbitrary bytes and over
// truncations and bit flips of valid packets; push-pull state round trip and rejection.

import test from 'ava';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { decodePacket, decodeRemoteState, encodeMessage, encodePacket, encodeRemoteState } from '../../src/gossip/codec.js';
import type { GossipMessage } from '../../src/gossip/messages.js';
import { limits } from '../../src/lib/limits.js';

const samples: GossipMessage[] = [
  { type: 'ping', seq: 7, target: 'b', source: 'a', sourceAddress: '10.0.0.1:8301' },
  { type: 'indirectPing', seq: 8, target: 'c', targetAddress: '10.0.0.3:8301', source: 'a', sourceAddress: '10.0.0.1:8301', wantNack: true },
  { type: 'ack', seq: 9 },
  { type: 'nack', seq: 10 },
  { type: 'suspect', incarnation: 3, node: 'c', from: 'a' },
  { type: 'alive', incarnation: 4, node: 'c', address: '10.0.0.3:8301', meta: { role: 'node', dc: 'dc1' } },
  { type: 'dead', incarnation: 5, node: 'c', from: 'c' },
  { type: 'userEvent', lamportTime: 12, name: 'deploy', payload: new Uint8Array([1, 2, 3]) },
];

test('every message type round-trips, several in one compound packet', (t) => {
  const packet = encodePacket(samples.map(encodeMessage));
  const decoded = decodePacket(packet);
  t.is(decoded.type, 'ok');
  if (decoded.type === 'ok') t.deepEqual(decoded.value, samples);
});

test('malformed packets are bad, never thrown', (t) => {
  const good = encodePacket([encodeMessage(samples[0] as GossipMessage)]);
  t.is(decodePacket(new Uint8Array()).type, 'bad');
  t.is(decodePacket(Uint8Array.of(99, 0, 1, 0)).type, 'bad', 'unknown version');
  t.is(decodePacket(good.subarray(0, good.length - 1)).type, 'bad', 'truncated');
  t.is(decodePacket(new Uint8Array(limits.gossipPacketBytesMax + 1).fill(1)).type, 'bad', 'oversized');
  const packr = new Packr({ useRecords: false });
  const wrongType = packr.pack([0, 'seven', 'b', 'a', 'x']);
  t.is(decodePacket(encodePacket([wrongType])).type, 'bad', 'seq is not a number');
  const negative = packr.pack([4, -1, 'c', 'a']);
  t.is(decodePacket(encodePacket([negative])).type, 'bad', 'negative incarnation');
  const longName = packr.pack([4, 1, 'x'.repeat(limits.gossipNameBytesMax + 1), 'a']);
  t.is(decodePacket(encodePacket([longName])).type, 'bad', 'oversized name');
});

test('property: arbitrary bytes never throw', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const r = decodePacket(Uint8Array.of(1, ...bytes));
      return r.type === 'ok' || r.type === 'bad';
    }),
    { numRuns: 2_000 },
  );
  t.pass();
});

test('property: truncations and bit flips of a valid packet never throw', (t) => {
  const packet = encodePacket(samples.map(encodeMessage));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: packet.length }), fc.integer({ min: 0, max: packet.length - 1 }), fc.integer({ min: 0, max: 7 }), (cut, at, bit) => {
      const copy = Uint8Array.from(packet.subarray(0, cut));
      if (at < copy.length) copy[at] = (copy[at] ?? 0) ^ (1 << bit);
      const r = decodePacket(copy);
      return r.type === 'ok' || r.type === 'bad';
    }),
    { numRuns: 2_000 },
  );
  t.pass();
});

test('push-pull state round-trips; forged states are bad', (t) => {
  const state = { userEventLamportTime: 4, members: [{ name: 'a', address: 'x:1', meta: { role: 'node' }, incarnation: 2, state: 'suspect' as const }] };
  const decoded = decodeRemoteState(encodeRemoteState(state));
  t.deepEqual(decoded, { type: 'ok', value: state });
  const packr = new Packr({ useRecords: false });
  t.is(decodeRemoteState(packr.pack([1, [['a', 'x:1', {}, 1, 9]]])).type, 'bad', 'unknown state');
  t.is(decodeRemoteState(packr.pack({})).type, 'bad');
  t.is(decodeRemoteState(Uint8Array.of(0xc1)).type, 'bad', 'invalid msgpack');
});
