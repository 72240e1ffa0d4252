// Goal: the bytes the codec writes are exactly the framing it owns: hop-by-hop and framing fields
// of the other hop dropped, fields that could split a head (CR/LF, bad names) never written,
// Content-Length set for bodies (and for POST/PUT/PATCH even when empty), Host kept or supplied.
// Method: direct calls on the serializers.

import test from 'ava';
import { answerHeadStart, connectionHas } from '../../../src/proxy/l7/h1/answer.js';
import { requestBytes } from '../../../src/proxy/l7/h1/client-connection.js';

test('answerHeadStart: framing fields dropped, arrays repeated, splitting values dropped', (t) => {
  const head = answerHeadStart(201, { 'Content-Length': '3', connection: 'close', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'], 'x-evil': 'a\r\nx-injected: 1', 'bad name': 'v', 'x-none': undefined, 'x-ok': 'yes' });
  t.is(head, 'HTTP/1.1 201 Created\r\nset-cookie: a=1\r\nset-cookie: b=2\r\nx-ok: yes\r\n');
});

test('connectionHas: token lists, case-insensitive, arrays', (t) => {
  t.true(connectionHas('Close', 'close'));
  t.true(connectionHas('keep-alive, Upgrade', 'upgrade'));
  t.true(connectionHas(['x', 'close'], 'close'));
  t.false(connectionHas('closed', 'close'));
  t.false(connectionHas(undefined, 'close'));
});

test('requestBytes: one buffer; hop-by-hop dropped; content-length for bodies and POST; host kept or supplied', (t) => {
  const post = requestBytes({ method: 'POST', path: '/p?q', headers: { Host: 'svc', connection: 'keep-alive', te: 'trailers', expect: '100-continue', 'content-length': '99', 'x-a': ['1', '2'], 'x-bad': 'a\nb' }, body: Buffer.alloc(0) }, 'fallback');
  t.is(post.toString('latin1'), 'POST /p?q HTTP/1.1\r\nHost: svc\r\nx-a: 1\r\nx-a: 2\r\ncontent-length: 0\r\n\r\n');
  const get = requestBytes({ method: 'GET', path: '/', headers: {}, body: Buffer.from('body') }, 'fallback');
  t.is(get.toString('latin1'), 'GET / HTTP/1.1\r\nhost: fallback\r\ncontent-length: 4\r\n\r\nbody');
  const bare = requestBytes({ method: 'DELETE', path: '/x', headers: { host: 'h' }, body: Buffer.alloc(0) }, 'fallback');
  t.is(bare.toString('latin1'), 'DELETE /x HTTP/1.1\r\nhost: h\r\n\r\n');
});
