// Goal: the driver's pure pieces: AES-GCM sealing (round trip for 16/24/32-byte keys, wrong key and
// tampering refused), keyring rules (install/use/remove, the primary cannot go, every key opens),
// verify_incoming/outgoing, and the stream codec refusing malformed or oversized input.
// Method: table tests on the functions, no sockets.

import test from 'ava';
import { randomBytes } from 'node:crypto';
import { Keyring, decodeGossipKey, open, seal, sealOutgoing, sealOverheadBytes, unsealIncoming } from '../../src/gossip/driver/keyring.js';
import { decodeStreamMessage, encodeStreamMessage, type StreamMessage } from '../../src/gossip/driver/stream.js';
import { withPort } from '../../src/agent/gossip.js';

test('seal/open round trip for every AES key size; wrong key and tampering are refused', (t) => {
  for (const size of [16, 24, 32]) {
    const key = randomBytes(size);
    const sealed = seal(key, Buffer.from('hello'));
    t.is(sealed.length, 5 + sealOverheadBytes);
    t.is(open(key, sealed)?.toString(), 'hello');
    t.is(open(randomBytes(size), sealed), undefined);
    const tampered = Buffer.from(sealed);
    tampered[sealed.length - 1] = (tampered[sealed.length - 1] ?? 0) ^ 1;
    t.is(open(key, tampered), undefined);
  }
  t.is(open(randomBytes(32), Buffer.from([1, 2, 3])), undefined);
});

test('keyring: secondaries open, the primary seals, the primary cannot be removed', (t) => {
  const [a, b] = [randomBytes(32), randomBytes(16)];
  const ring = new Keyring(a);
  ring.install(b);
  ring.install(b);
  t.is(ring.list().length, 2);
  t.is(ring.open(seal(b, Buffer.from('x')))?.toString(), 'x');
  ring.use(b);
  t.true(ring.primary.equals(b));
  t.is(open(b, ring.seal(Buffer.from('y')))?.toString(), 'y');
  t.throws(() => ring.remove(b), { message: 'Removing the primary key is not allowed' });
  ring.remove(a);
  t.deepEqual(ring.list(), [b.toString('base64')]);
  t.throws(() => ring.use(a), { message: 'Requested key is not in the keyring.' });
  t.throws(() => decodeGossipKey('c2hvcnQ='));
});

test('verify_incoming and verify_outgoing', (t) => {
  const keyring = new Keyring(randomBytes(32));
  const strict = { keyring, verifyIncoming: true, verifyOutgoing: true };
  const rolling = { keyring, verifyIncoming: false, verifyOutgoing: false };
  const plain = Buffer.from('plain');
  t.deepEqual(unsealIncoming(strict, plain), { type: 'refused' });
  t.deepEqual(unsealIncoming(rolling, plain), { type: 'ok', plain });
  t.is(sealOutgoing(rolling, plain), plain);
  const sealed = sealOutgoing(strict, plain);
  t.not(sealed, plain);
  const opened = unsealIncoming(rolling, sealed);
  t.is(opened.type === 'ok' ? Buffer.from(opened.plain).toString() : '', 'plain');
  t.deepEqual(unsealIncoming({ keyring: undefined, verifyIncoming: true, verifyOutgoing: true }, plain), { type: 'ok', plain });
});

test('stream messages round trip; malformed ones are refused', (t) => {
  const messages: StreamMessage[] = [
    { type: 'ping', target: 'n1' },
    { type: 'ack', isTarget: true },
    { type: 'pushPull', join: false, state: Uint8Array.from([1, 2]), events: [{ lamportTime: 3, name: 'deploy', payload: Uint8Array.from([9]) }] },
    { type: 'pushPullReply', state: Uint8Array.from([3]), events: [] },
    { type: 'keyring', op: 'install', key: 'abc' },
    { type: 'keyringReply', error: '', keys: ['k1', 'k2'] },
  ];
  for (const message of messages) {
    const decoded = decodeStreamMessage(encodeStreamMessage(message));
    t.is(decoded?.type, message.type);
  }
  t.is(decodeStreamMessage(randomBytes(64)), undefined);
  t.is(decodeStreamMessage(Buffer.from([0x92, 0x05, 0xc0])), undefined);
  const manyEvents = Array.from({ length: 100 }, (_, i) => ({ lamportTime: i, name: 'e', payload: new Uint8Array() }));
  t.is(decodeStreamMessage(encodeStreamMessage({ type: 'pushPullReply', state: new Uint8Array(), events: manyEvents })), undefined);
});

test('join addresses get the Serf LAN port unless they carry one', (t) => {
  t.is(withPort('10.0.0.1', 8301), '10.0.0.1:8301');
  t.is(withPort('10.0.0.1:9000', 8301), '10.0.0.1:9000');
  t.is(withPort('::1', 8301), '[::1]:8301');
  t.is(withPort('[::1]:9000', 8301), '[::1]:9000');
  t.is(withPort('node.example', 8301), 'node.example:8301');
});
