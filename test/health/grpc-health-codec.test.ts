// Goal: the hand-written grpc.health.v1 messages are valid protobuf. Method: byte tables for the
// encoder and decoder, unknown fields skipped, malformed input refused, and a fast-check round trip.

import test from 'ava';
import fc from 'fast-check';
import { decodeHealthCheckResponse, encodeHealthCheckRequest } from '../../src/health/runners/grpc-health-codec.js';

test('HealthCheckRequest: empty service is the empty message; a name is field 1, length-delimited', (t) => {
  t.deepEqual([...encodeHealthCheckRequest('')], []);
  t.deepEqual([...encodeHealthCheckRequest('web')], [0x0a, 3, 0x77, 0x65, 0x62]);
  const long = 'x'.repeat(300);
  t.deepEqual([...encodeHealthCheckRequest(long).subarray(0, 3)], [0x0a, 0xac, 0x02]);
});

test('HealthCheckResponse: status field, default 0, unknown fields skipped', (t) => {
  t.is(decodeHealthCheckResponse(Buffer.from([])), 0);
  t.is(decodeHealthCheckResponse(Buffer.from([0x08, 0x01])), 1);
  t.is(decodeHealthCheckResponse(Buffer.from([0x08, 0x02])), 2);
  // field 2 (string "ab") then field 1 = 1, then a fixed32 field 3.
  t.is(decodeHealthCheckResponse(Buffer.from([0x12, 0x02, 0x61, 0x62, 0x08, 0x01, 0x1d, 0, 0, 0, 0])), 1);
});

test('HealthCheckResponse: malformed bytes throw instead of guessing', (t) => {
  t.throws(() => decodeHealthCheckResponse(Buffer.from([0x08])));
  t.throws(() => decodeHealthCheckResponse(Buffer.from([0x12, 0x05, 0x61])));
  t.throws(() => decodeHealthCheckResponse(Buffer.from([0x0b])));
  t.throws(() => decodeHealthCheckResponse(Buffer.from([0x1d, 0, 0])));
});

test('property: the decoder reads the service name length the encoder wrote', (t) => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 500 }), (name) => {
      const bytes = encodeHealthCheckRequest(name);
      // Reading the request as a message with an unknown length-delimited field leaves status 0.
      t.is(decodeHealthCheckResponse(Buffer.concat([bytes, Buffer.from([0x08, 3])])), 3);
    }),
  );
});
