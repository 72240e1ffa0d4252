// Goal: the lean HTTP/1.1 codec's head parser and body framing accept exactly the strict grammar:
// valid heads parse to the right fields, smuggling shapes (CL+TE, TE: gzip, chunked twice, CL
// "1, 2"), whitespace before the colon, obs-fold, bare LF and huge heads are refused with the
// right status, and nothing depends on where the bytes were split. Method: table tests, then a
// fast-check property: random valid messages serialized, fed in random splits, parse back equal.

import test from 'ava';
import fc from 'fast-check';
import { ChunkedDecoder, requestFraming, responseFraming } from '../../../src/proxy/l7/h1/framing.js';
import { type Headers, parseRequestHead, parseResponseHead } from '../../../src/proxy/l7/h1/head.js';

const max = 8 * 1024;
const req = (text: string) => parseRequestHead(Buffer.from(text, 'latin1'), 0, max);
const res = (text: string) => parseResponseHead(Buffer.from(text, 'latin1'), 0, max);

test('parseRequestHead: a valid head, lower-cased names, set-cookie array, others comma-joined', (t) => {
  const text = 'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a:2\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nEmpty:\r\nSpaces: \t v w \t\r\n\r\nBODY';
  const head = req(text);
  if (head.kind !== 'head') return t.fail(JSON.stringify(head));
  t.is(head.method, 'GET');
  t.is(head.target, '/a?b=1');
  t.is(head.version, '1.1');
  t.is(head.end, text.length - 4);
  t.deepEqual(head.headers, { host: 'x', 'x-a': '1, 2', 'set-cookie': ['a=1', 'b=2'], empty: '', spaces: 'v w' });
});

test('parseRequestHead: incomplete until CRLFCRLF; offset respected; leading empty line skipped', (t) => {
  t.deepEqual(req('GET / HTTP/1.1\r\nHost: x\r\n'), { kind: 'incomplete' });
  const buf = Buffer.from('xxxx\r\nGET / HTTP/1.0\r\n\r\n', 'latin1');
  const head = parseRequestHead(buf, 4, max);
  t.like(head, { kind: 'head', method: 'GET', version: '1.0', end: buf.length });
  t.like(req('__proto__ / HTTP/1.1\r\nhost: h\r\n__proto__: v\r\n\r\n'), { kind: 'head', headers: { host: 'h' } });
  const proto = req('GET / HTTP/1.1\r\nhost: h\r\n__proto__: v\r\n\r\n');
  t.true(proto.kind === 'head' && Object.getPrototypeOf(proto.headers) === Object.prototype && Object.keys(proto.headers).includes('__proto__'));
});

const badRequests: Array<[string, string, number]> = [
  ['space before colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n', 400],
  ['bare LF', 'GET / HTTP/1.1\nHost: x\r\n\r\n', 400],
  ['bare LF in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\nb\r\n\r\n', 400],
  ['bare CR in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n', 400],
  ['NUL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n', 400],
  ['no colon', 'GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n', 400],
  ['empty name', 'GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n', 400],
  ['method not a token', 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['empty target', 'GET  HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['space in target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['missing version', 'GET /\r\nHost: x\r\n\r\n', 400],
  ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
  ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: x\r\n\r\n', 505],
  ['lower-case http', 'GET / http/1.1\r\nHost: x\r\n\r\n', 400],
  ['1.1 without Host', 'GET / HTTP/1.1\r\nX: y\r\n\r\n', 400],
  ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
  ['huge head', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(max)}\r\n\r\n`, 431],
  ['huge incomplete head', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(max)}`, 431],
  ['too many fields', `GET / HTTP/1.1\r\nHost: x\r\n${'X: y\r\n'.repeat(120)}\r\n`, 431],
];

for (const [name, text, status] of badRequests) {
  test(`parseRequestHead refuses: ${name} -> ${status}`, (t) => {
    t.like(req(text), { kind: 'error', status });
  });
}

test('parseResponseHead: status line forms, headers, errors', (t) => {
  t.like(res('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'), { kind: 'head', status: 200, reason: 'OK', version: '1.1', end: 38, headers: { 'content-length': '3' } });
  t.like(res('HTTP/1.0 404 \r\n\r\n'), { kind: 'head', status: 404, reason: '', version: '1.0' });
  t.like(res('HTTP/1.1 204\r\n\r\n'), { kind: 'head', status: 204, reason: '' });
  t.like(res('HTTP/1.1 2000 OK\r\n\r\n'), { kind: 'error', status: 400 });
  t.like(res('HTTP/1.1 20 OK\r\n\r\n'), { kind: 'error', status: 400 });
  t.like(res('HTTP/3.0 200 OK\r\n\r\n'), { kind: 'error', status: 505 });
  t.like(res('HTTP/1.1 200 OK\r\nA : b\r\n\r\n'), { kind: 'error', status: 400 });
  t.deepEqual(res('HTTP/1.1 200 OK\r\n'), { kind: 'incomplete' });
});

const h = (headers: Headers) => headers;
test('requestFraming: smuggling shapes refused; CL lists must agree', (t) => {
  t.deepEqual(requestFraming(h({})), { kind: 'none' });
  t.deepEqual(requestFraming(h({ 'content-length': '0' })), { kind: 'none' });
  t.deepEqual(requestFraming(h({ 'content-length': '12' })), { kind: 'length', bytes: 12 });
  t.deepEqual(requestFraming(h({ 'content-length': '5, 5' })), { kind: 'length', bytes: 5 });
  t.deepEqual(requestFraming(h({ 'transfer-encoding': 'Chunked' })), { kind: 'chunked' });
  t.like(requestFraming(h({ 'content-length': '1, 2' })), { kind: 'error', status: 400 });
  t.like(requestFraming(h({ 'content-length': '-1' })), { kind: 'error', status: 400 });
  t.like(requestFraming(h({ 'content-length': '0x10' })), { kind: 'error', status: 400 });
  t.like(requestFraming(h({ 'content-length': '+5' })), { kind: 'error', status: 400 });
  t.like(requestFraming(h({ 'content-length': '' })), { kind: 'error', status: 400 });
  t.like(requestFraming(h({ 'content-length': '3', 'transfer-encoding': 'chunked' })), { kind: 'error', status: 400 });
  t.like(requestFraming(h({ 'transfer-encoding': 'gzip' })), { kind: 'error', status: 501 });
  t.like(requestFraming(h({ 'transfer-encoding': 'gzip, chunked' })), { kind: 'error', status: 501 });
  t.like(requestFraming(h({ 'transfer-encoding': 'chunked, chunked' })), { kind: 'error', status: 400 });
});

test('responseFraming: HEAD, 1xx, 204, 304 bodiless; chunked; length; else until close', (t) => {
  t.deepEqual(responseFraming('HEAD', 200, h({ 'content-length': '10' })), { kind: 'none' });
  for (const status of [100, 204, 304]) t.deepEqual(responseFraming('GET', status, h({ 'content-length': '10' })), { kind: 'none' });
  t.deepEqual(responseFraming('GET', 200, h({ 'transfer-encoding': 'chunked' })), { kind: 'chunked' });
  t.deepEqual(responseFraming('GET', 200, h({ 'content-length': '7' })), { kind: 'length', bytes: 7 });
  t.deepEqual(responseFraming('GET', 200, h({})), { kind: 'close' });
  t.like(responseFraming('GET', 200, h({ 'content-length': '7', 'transfer-encoding': 'chunked' })), { kind: 'error' });
  t.like(responseFraming('GET', 200, h({ 'transfer-encoding': 'gzip' })), { kind: 'error' });
});

function decodeAll(decoder: ChunkedDecoder, pieces: Buffer[]): { body: Buffer; rest: Buffer } | string {
  const body: Buffer[] = [];
  const rest: Buffer[] = [];
  for (const piece of pieces) {
    if (decoder.done) {
      rest.push(piece);
      continue;
    }
    const result = decoder.push(piece);
    if (result.kind === 'error') return result.reason;
    body.push(...result.parts);
    if (result.done) rest.push(piece.subarray(result.consumed));
  }
  return decoder.done ? { body: Buffer.concat(body), rest: Buffer.concat(rest) } : 'incomplete';
}

test('ChunkedDecoder: extensions, trailers dropped, rest kept, byte-by-byte same; bad syntax refused', (t) => {
  const wire = Buffer.from('5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT', 'latin1');
  const whole = decodeAll(new ChunkedDecoder(), [wire]);
  t.deepEqual(whole, { body: Buffer.from('hello0123456789'), rest: Buffer.from('NEXT') });
  const bytewise = decodeAll(new ChunkedDecoder(), [...wire].map((byte) => Buffer.from([byte])));
  t.deepEqual(bytewise, whole);
  for (const bad of ['5\r\nhelloX\r\n', 'z\r\n', '\r\n', '5\nhello\r\n', '5 \r\nhello\r\n', '0\r\nX: y\n\r\n', `${'1'.repeat(13)}\r\n`]) {
    t.is(typeof decodeAll(new ChunkedDecoder(), [Buffer.from(bad, 'latin1')]), 'string', bad);
    t.not(decodeAll(new ChunkedDecoder(), [Buffer.from(bad, 'latin1')]), 'incomplete', bad);
  }
  t.is(decodeAll(new ChunkedDecoder(), [Buffer.from(`1;${'e'.repeat(5000)}\r\n`)]), 'chunk size line too long');
});

// ---- property: serialize, split anywhere, parse back ----------------------------------------

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);
const pathArbitrary = fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/);
const fieldsArbitrary = fc.uniqueArray(fc.tuple(token, fieldValue), { maxLength: 8, selector: ([name]) => name.toLowerCase() }).map((pairs) => pairs.filter(([name]) => !['host', 'content-length', 'transfer-encoding', 'set-cookie', '__proto__'].includes(name.toLowerCase())));

const messageArbitrary = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'X-CUSTOM'),
  path: pathArbitrary,
  fields: fieldsArbitrary,
  body: fc.uint8Array({ maxLength: 300 }),
  chunked: fc.boolean(),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 10 }),
  splits: fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 6 }),
});

function chunkedWire(body: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  let index = 0;
  while (at < body.length) {
    const size = Math.min(sizes[index++ % Math.max(1, sizes.length)] ?? 16, body.length - at);
    parts.push(Buffer.from(`${size.toString(16)}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

function splitAt(wire: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points.map((point) => point % (wire.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(wire.subarray(from, cut));
    from = cut;
  }
  pieces.push(wire.subarray(from));
  return pieces;
}

test('property: a valid request serialized and fed in random splits parses back equal', (t) => {
  fc.assert(
    fc.property(messageArbitrary, ({ method, path, fields, body, chunked, chunkSizes, splits }) => {
      const bodyBytes = Buffer.from(body);
      const framingLine = chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${bodyBytes.length}\r\n`;
      const headText = `${method} ${path} HTTP/1.1\r\nHost: example\r\n${fields.map(([name, value]) => `${name}: ${value}\r\n`).join('')}${framingLine}\r\n`;
      const wire = Buffer.concat([Buffer.from(headText, 'latin1'), chunked ? chunkedWire(bodyBytes, chunkSizes) : bodyBytes, Buffer.from('NEXT')]);
      // Feed the pieces as a server would: accumulate until the head parses, then frame the body.
      let pending = Buffer.alloc(0);
      const pieces = splitAt(wire, splits);
      let head: ReturnType<typeof parseRequestHead> = { kind: 'incomplete' };
      while (head.kind === 'incomplete') {
        const piece = pieces.shift();
        if (piece === undefined) return false;
        pending = Buffer.concat([pending, piece]);
        head = parseRequestHead(pending, 0, max);
      }
      if (head.kind !== 'head') return false;
      const expected: Headers = { host: 'example' };
      for (const [name, value] of fields) expected[name.toLowerCase()] = value;
      expected[chunked ? 'transfer-encoding' : 'content-length'] = chunked ? 'chunked' : String(bodyBytes.length);
      if (head.method !== method || head.target !== path || JSON.stringify(head.headers) !== JSON.stringify(expected)) return false;
      const framing = requestFraming(head.headers);
      const rest = [pending.subarray(head.end), ...pieces];
      let decoded: Buffer;
      if (framing.kind === 'chunked') {
        const result = decodeAll(new ChunkedDecoder(), rest);
        if (typeof result === 'string') return false;
        decoded = result.body;
        return decoded.equals(bodyBytes) && result.rest.toString() === 'NEXT';
      }
      const all = Buffer.concat(rest);
      const length = framing.kind === 'length' ? framing.bytes : 0;
      return all.subarray(0, length).equals(bodyBytes) && all.subarray(length).toString() === 'NEXT';
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('property: a valid response head fed in random splits parses back equal', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 100, max: 599 }), fc.stringMatching(/^[\x20-\x7e]{0,20}$/), fieldsArbitrary, fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 5 }), (status, reason, fields, splits) => {
      const text = `HTTP/1.1 ${status} ${reason}\r\n${fields.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
      const wire = Buffer.from(text, 'latin1');
      let pending = Buffer.alloc(0);
      for (const piece of splitAt(wire, splits)) {
        if (pending.length < wire.length && parseResponseHead(pending, 0, max).kind !== 'incomplete') return false;
        pending = Buffer.concat([pending, piece]);
      }
      const head = parseResponseHead(pending, 0, max);
      const expected: Headers = {};
      for (const [name, value] of fields) expected[name.toLowerCase()] = value;
      return head.kind === 'head' && head.status === status && head.reason === reason && head.end === wire.length && JSON.stringify(head.headers) === JSON.stringify(expected);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: arbitrary bytes never throw; a parsed head re-parses the same from its own bytes', (t) => {
  const alphabet = fc.constantFrom(...'GET /HTP1.0:\r\n \t\0aZ;,-'.split(''), '\r\n', '\r\n\r\n', 'Host: x\r\n', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', 'HTTP/1.1 ');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 60 }), fc.uint8Array({ maxLength: 40 }), (pieces, noise) => {
      const buf = Buffer.concat([Buffer.from(pieces.join(''), 'latin1'), Buffer.from(noise)]);
      for (const parse of [parseRequestHead, parseResponseHead]) {
        const result = parse(buf, 0, 512);
        if (result.kind !== 'head') continue;
        if (result.end > buf.length) return false;
        if (JSON.stringify(parse(buf.subarray(0, result.end), 0, 512)) !== JSON.stringify(result)) return false;
        if (parse === parseRequestHead) requestFraming(result.headers);
      }
      const decoder = new ChunkedDecoder();
      const decoded = decoder.push(buf);
      return decoded.kind === 'error' || decoded.consumed <= buf.length;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
