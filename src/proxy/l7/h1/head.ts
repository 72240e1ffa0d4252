// HTTP/1.1 head parsing (RFC 9112 2-5) for the lean codec: node:http's per-request objects, not its
// parser, cost two thirds of the L7 throughput, so the proxy parses heads itself. The parser is
// STRICT because the proxy sits between two parties that may disagree on lenient readings (request
// smuggling): token method and field names, no whitespace before the colon, no obs-fold, CRLF only,
// no control characters in values, HTTP/1.0 or 1.1 only. It is incremental-safe: called again on a
// longer buffer it answers the same, and it reads nothing past the blank line that ends the head.
// Speed: one indexOf for the end of the head, one latin1 decode, then plain string scans.

import { limits } from '../../../lib/limits.js';

export type Headers = Record<string, string | string[]>;

export type HeadError = { readonly kind: 'error'; readonly status: 400 | 431 | 501 | 505; readonly reason: string };
export type Incomplete = { readonly kind: 'incomplete' };

export interface RequestHead {
  readonly kind: 'head';
  /** Offset just past the CRLFCRLF that ends the head. */
  readonly end: number;
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly headers: Headers;
}

export interface ResponseHead {
  readonly kind: 'head';
  readonly end: number;
  readonly status: number;
  readonly reason: string;
  readonly version: '1.0' | '1.1';
  readonly headers: Headers;
}

const headEnd = Buffer.from('\r\n\r\n', 'latin1');
const CR = 13;
const LF = 10;

/** tchar (RFC 9110 5.6.2): the characters of methods and field names. */
const tokenChars = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") tokenChars[c.charCodeAt(0)] = 1;

function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || tokenChars[c] === 0) return false;
  }
  return true;
}

/** field-content: VCHAR, obs-text, SP and HTAB inside; no CTL (NUL, CR, LF among them) nor DEL. */
function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f) return false;
  }
  return true;
}

function fail(status: HeadError['status'], reason: string): HeadError {
  return { kind: 'error', status, reason };
}

/** The HTTP-version of a start line: 1.0/1.1, 505 for another well-formed version, else 400. */
function versionOf(text: string): '1.0' | '1.1' | HeadError {
  if (text === 'HTTP/1.1') return '1.1';
  if (text === 'HTTP/1.0') return '1.0';
  const wellFormed = text.length === 8 && text.startsWith('HTTP/') && text.charCodeAt(6) === 46 && isDigit(text.charCodeAt(5)) && isDigit(text.charCodeAt(7));
  return wellFormed ? fail(505, 'HTTP version not supported') : fail(400, 'malformed HTTP version');
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A head found in the buffer: its decoded text, where its start line ends, and the offset past it. */
interface FoundHead {
  /** Start line and field lines, without the final CRLFCRLF. */
  readonly text: string;
  /** Index in `text` of the CRLF after the start line (text.length when there are no fields). */
  readonly lineEnd: number;
  readonly end: number;
}

/** Finds the head that starts at `offset`, or why there is none (yet). */
function findHead(buf: Buffer, offset: number, headBytesMax: number, skipEmptyLines: boolean): FoundHead | HeadError | Incomplete {
  let start = offset;
  // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request-line (some
  // clients send an extra CRLF after a body).
  while (skipEmptyLines && start + 1 < buf.length && buf[start] === CR && buf[start + 1] === LF && start - offset < 8) start += 2;
  const at = buf.indexOf(headEnd, start);
  if (at < 0) return buf.length - start > headBytesMax ? fail(431, 'head too large') : { kind: 'incomplete' };
  if (at + 4 - start > headBytesMax) return fail(431, 'head too large');
  const text = buf.toString('latin1', start, at);
  // Lines end in CRLF only: a bare LF (or CR) anywhere would split lines differently for another parser.
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (text.charCodeAt(i - 1) !== CR) return fail(400, 'bare LF in head');
  const lineEnd = text.indexOf('\r\n');
  return { text, lineEnd: lineEnd < 0 ? text.length : lineEnd, end: at + 4 };
}

/**
 * Field lines from `from` (just past the start line's CRLF) to the end of `text`: lower-cased
 * names; set-cookie kept as an array, other repeated fields comma-joined (RFC 9110 5.3).
 */
function parseFields(text: string, from: number): { headers: Headers; hosts: number } | HeadError {
  const headers: Headers = {};
  let count = 0;
  let hosts = 0;
  let lineStart = from;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\r\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    if (++count > limits.proxyH1HeadersCountMax) return fail(431, 'too many header fields');
    const colon = text.indexOf(':', lineStart);
    if (colon < 0 || colon > lineEnd) return fail(400, 'header line without a colon');
    const rawName = text.slice(lineStart, colon);
    // A name that is not a token catches whitespace before the colon and obs-fold continuation lines.
    if (!isToken(rawName)) return fail(400, 'invalid header name');
    let valueStart = colon + 1;
    let valueEnd = lineEnd;
    while (valueStart < valueEnd && isWhitespace(text.charCodeAt(valueStart))) valueStart++;
    while (valueEnd > valueStart && isWhitespace(text.charCodeAt(valueEnd - 1))) valueEnd--;
    const value = text.slice(valueStart, valueEnd);
    if (!isFieldValue(value)) return fail(400, 'invalid header value');
    const name = rawName.toLowerCase();
    if (name === 'host') hosts++;
    addField(headers, name, value);
    lineStart = lineEnd + 2;
  }
  return { headers, hosts };
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9;
}

function addField(headers: Headers, name: string, value: string): void {
  const previous = Object.prototype.hasOwnProperty.call(headers, name) ? headers[name] : undefined;
  let next: string | string[];
  if (previous === undefined) next = name === 'set-cookie' ? [value] : value;
  else if (Array.isArray(previous)) next = [...previous, value];
  else next = `${previous}, ${value}`;
  // defineProperty: a field named __proto__ must be an own field, not the object's prototype.
  if (name === '__proto__') Object.defineProperty(headers, name, { value: next, enumerable: true, writable: true, configurable: true });
  else headers[name] = next;
}

/** Parses the request head at `offset` (RFC 9112 3). HTTP/1.1 requests need exactly one Host. */
export function parseRequestHead(buf: Buffer, offset: number, headBytesMax: number): RequestHead | HeadError | Incomplete {
  const found = findHead(buf, offset, headBytesMax, true);
  if (!('text' in found)) return found;
  const { text, lineEnd, end } = found;
  const firstSpace = text.indexOf(' ');
  const secondSpace = firstSpace < 0 ? -1 : text.indexOf(' ', firstSpace + 1);
  if (firstSpace < 0 || secondSpace < 0 || secondSpace > lineEnd) return fail(400, 'malformed request line');
  const method = text.slice(0, firstSpace);
  if (!isToken(method)) return fail(400, 'invalid method');
  const target = text.slice(firstSpace + 1, secondSpace);
  if (target.length === 0 || !isTarget(target)) return fail(400, 'invalid request target');
  const version = versionOf(text.slice(secondSpace + 1, lineEnd));
  if (typeof version !== 'string') return version;
  const fields = parseFields(text, lineEnd + 2);
  if ('kind' in fields) return fields;
  if (fields.hosts > 1 || (version === '1.1' && fields.hosts === 0)) return fail(400, 'an HTTP/1.1 request needs exactly one Host header');
  return { kind: 'head', end, method, target, version, headers: fields.headers };
}

/** request-target: visible ASCII only (no spaces, controls or DEL); bytes above are not URI characters either. */
function isTarget(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Parses the response head at `offset` (RFC 9112 4): `HTTP/1.x SP 3DIGIT SP [reason]`. */
export function parseResponseHead(buf: Buffer, offset: number, headBytesMax: number): ResponseHead | HeadError | Incomplete {
  const found = findHead(buf, offset, headBytesMax, false);
  if (!('text' in found)) return found;
  const { text, lineEnd, end } = found;
  const version = versionOf(text.slice(0, 8));
  if (typeof version !== 'string') return version;
  const c0 = text.charCodeAt(9);
  const c1 = text.charCodeAt(10);
  const c2 = text.charCodeAt(11);
  if (text.charCodeAt(8) !== 32 || !isDigit(c0) || !isDigit(c1) || !isDigit(c2) || c0 === 48 || lineEnd < 12) return fail(400, 'malformed status line');
  // The SP before an empty reason is required by the grammar but commonly left out; accept both.
  if (lineEnd > 12 && text.charCodeAt(12) !== 32) return fail(400, 'malformed status line');
  const reason = text.slice(13, lineEnd);
  if (!isFieldValue(reason)) return fail(400, 'invalid reason phrase');
  const fields = parseFields(text, lineEnd + 2);
  if ('kind' in fields) return fields;
  const status = (c0 - 48) * 100 + (c1 - 48) * 10 + (c2 - 48);
  return { kind: 'head', end, status, reason, version, headers: fields.headers };
}
