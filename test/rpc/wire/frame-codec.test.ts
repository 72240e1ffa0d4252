// Goal: frames survive any split of the byte stream (split across chunks, coalesced within one,
// one byte at a time); a length over the limit is refused before its payload is buffered; a zero
// length is refused; encodeFrame refuses payloads over the limit; every message kind round-trips
// through the envelope and malformed ones are named.
// Method: fast-check generates values and random cut points over the concatenated frames; the
// envelope is checked with a table of messages and of malformed arrays.

import test from 'ava';
import fc from 'fast-check';
import { fromWire, toWire, type WireMessage } from '../../../src/rpc/wire/envelope.js';
import { decodePayload, encodeFrame, FrameDecoder } from '../../../src/rpc/wire/frame-codec.js';

const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxLength: 20 }),
  fc.record({ method: fc.string(), body: fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)) }),
);

function frames(values: unknown[]): Buffer {
  return Buffer.concat(values.map((v) => encodeFrame(v, 1 << 20) ?? Buffer.alloc(0)));
}

function decodeAll(stream: Buffer, cuts: number[], limit = 1 << 20): unknown[] {
  const decoder = new FrameDecoder(limit);
  const out: unknown[] = [];
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const point of [...points, stream.length]) {
    const outcome = decoder.push(stream.subarray(from, point), (payload) => out.push(decodePayload(payload)));
    if (outcome.type !== 'ok') throw new Error(outcome.type);
    from = point;
  }
  if (decoder.buffered() !== 0) throw new Error('bytes left over');
  return out;
}

test('any chunking of a stream of frames decodes to the same values', (t) => {
  fc.assert(
    fc.property(fc.array(value, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 60 }), (values, cuts) => {
      t.deepEqual(decodeAll(frames(values), cuts), values);
    }),
    { numRuns: 300 },
  );
});

test('one byte at a time and all at once give the same values', (t) => {
  const values = ['a', 1, { method: 'x', body: Buffer.alloc(70_000, 7) }, [true, 'b']];
  const stream = frames(values);
  t.deepEqual(decodeAll(stream, Array.from({ length: stream.length }, (_, k) => k)), values);
  t.deepEqual(decodeAll(stream, []), values);
});

test('a length over the limit is refused before its payload arrives; zero length is refused', (t) => {
  const decoder = new FrameDecoder(1000);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1001);
  let delivered = 0;
  t.deepEqual(decoder.push(header.subarray(0, 2), () => delivered++), { type: 'ok' });
  t.deepEqual(decoder.push(header.subarray(2), () => delivered++), { type: 'too_large', frameBytes: 1001 });
  t.is(delivered, 0);
  t.is(decoder.buffered(), 4);
  t.deepEqual(new FrameDecoder(1000).push(Buffer.alloc(4), () => delivered++), { type: 'empty_frame' });
});

test('encodeFrame refuses a payload over the limit', (t) => {
  t.is(encodeFrame(Buffer.alloc(2000), 1000), undefined);
  t.truthy(encodeFrame(Buffer.alloc(900), 1000));
});

test('every message kind round-trips; malformed arrays are named; unknown error codes become internal', (t) => {
  const messages: WireMessage[] = [
    { type: 'hello', protocol: 'raft', version: 1 },
    { type: 'hello_ok', version: 3 },
    { type: 'goaway', code: 'payload_too_large', message: 'too big' },
    { type: 'request', id: 7, method: 'Catalog.Register', body: { a: [1, 2] } },
    { type: 'response', id: 7, body: 'ok' },
    { type: 'error', id: 8, code: 'not_found', message: 'no such node' },
    { type: 'oneway', method: 'append', body: Buffer.from([1, 2, 3]) },
  ];
  for (const message of messages) {
    const frame = encodeFrame(toWire(message), 1 << 20);
    t.deepEqual(fromWire(decodePayload(frame?.subarray(4) ?? Buffer.alloc(0))), message);
  }
  t.is(fromWire({}), 'frame is not a message array');
  t.is(fromWire([4, 'x', 'm']), 'malformed request');
  t.is(fromWire([1, 'raft', -1]), 'malformed hello');
  t.is(fromWire([99]), 'unknown message kind 99');
  t.deepEqual(fromWire([6, 1, 'from_the_future', 'm']), { type: 'error', id: 1, code: 'internal', message: 'm' });
});
