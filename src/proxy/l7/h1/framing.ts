// Message body framing for the lean HTTP/1.1 codec (RFC 9112 6): where a body ends decides where the
// next message starts, so a proxy that reads it differently from its peer can be made to smuggle
// requests. Requests therefore accept only `Transfer-Encoding: chunked` (anything else 501), never
// Transfer-Encoding together with Content-Length (400), and Content-Length as digits whose repeated
// values agree. The ChunkedDecoder is a byte-level state machine fed buffers split anywhere;
// trailer fields are read (bounded) and dropped: the proxy forwards bodies, not trailers.

import { limits } from '../../../lib/limits.js';
import type { Headers } from './head.js';

export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly bytes: number }
  | { readonly kind: 'chunked' }
  /** Response only: the body runs until the connection closes. */
  | { readonly kind: 'close' };

export type FramingError = { readonly kind: 'error'; readonly status: 400 | 501; readonly reason: string };

const noBody: BodyFraming = { kind: 'none' };
const chunked: BodyFraming = { kind: 'chunked' };

/** Content-Length: digits only; a list (or repeated field, comma-joined by head.ts) must agree. */
export function contentLengthOf(value: string | string[]): number | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  let agreed: number | undefined;
  for (const part of text.split(',')) {
    const digits = part.trim();
    // 15 digits stay exact in a double (Number.MAX_SAFE_INTEGER has 16) and are petabytes anyway.
    if (digits.length === 0 || digits.length > 15) return undefined;
    for (let i = 0; i < digits.length; i++) {
      const c = digits.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
    }
    const bytes = Number(digits);
    if (agreed !== undefined && agreed !== bytes) return undefined;
    agreed = bytes;
  }
  return agreed;
}

/** Transfer-Encoding: 'chunked' when it is exactly that, 'twice' for chunked listed again, else 'other'. */
function transferCodingOf(value: string | string[]): 'chunked' | 'twice' | 'other' {
  const codings = (Array.isArray(value) ? value.join(',') : value).split(',').map((coding) => coding.trim().toLowerCase());
  if (codings.length === 1 && codings[0] === 'chunked') return 'chunked';
  return codings.every((coding) => coding === 'chunked') ? 'twice' : 'other';
}

/** How a request's body is framed (RFC 9112 6.3, strictly). */
export function requestFraming(headers: Headers): BodyFraming | FramingError {
  const transferEncoding = headers['transfer-encoding'];
  const contentLength = headers['content-length'];
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) return { kind: 'error', status: 400, reason: 'both Transfer-Encoding and Content-Length' };
    switch (transferCodingOf(transferEncoding)) {
      case 'chunked':
        return chunked;
      case 'twice':
        return { kind: 'error', status: 400, reason: 'chunked applied more than once' };
      case 'other':
        return { kind: 'error', status: 501, reason: 'unsupported Transfer-Encoding' };
    }
  }
  if (contentLength === undefined) return noBody;
  const bytes = contentLengthOf(contentLength);
  if (bytes === undefined) return { kind: 'error', status: 400, reason: 'invalid Content-Length' };
  return bytes === 0 ? noBody : { kind: 'length', bytes };
}

/**
 * How a response's body is framed, given the request's method. A proxy relays bodies without
 * decoding content codings, so a transfer coding other than plain chunked (gzip, chunked) cannot
 * be passed on faithfully and is an error, as is Transfer-Encoding with Content-Length.
 */
export function responseFraming(requestMethod: string, status: number, headers: Headers): BodyFraming | FramingError {
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) return noBody;
  const transferEncoding = headers['transfer-encoding'];
  const contentLength = headers['content-length'];
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) return { kind: 'error', status: 400, reason: 'both Transfer-Encoding and Content-Length' };
    return transferCodingOf(transferEncoding) === 'chunked' ? chunked : { kind: 'error', status: 501, reason: 'unsupported Transfer-Encoding' };
  }
  if (contentLength === undefined) return { kind: 'close' };
  const bytes = contentLengthOf(contentLength);
  if (bytes === undefined) return { kind: 'error', status: 400, reason: 'invalid Content-Length' };
  return bytes === 0 ? noBody : { kind: 'length', bytes };
}

/** What one push() of the decoder found: body bytes (views into the input) and whether the body ended. */
export type ChunkedResult =
  | { readonly kind: 'data'; readonly parts: Buffer[]; readonly done: boolean; /** Input bytes used; the rest belongs to the next message. */ readonly consumed: number }
  | { readonly kind: 'error'; readonly reason: string };

type ChunkedState = 'size' | 'size-lf' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'trailer-lf' | 'done';

const CR = 13;
const LF = 10;

/**
 * Decodes `chunked` (RFC 9112 7.1): chunk = hex-size [; ext] CRLF data CRLF; last-chunk "0" CRLF;
 * trailer lines; CRLF. Size lines and trailers are bounded; lines end in CRLF only.
 */
export class ChunkedDecoder {
  private state: ChunkedState = 'size';
  /** Current size line's digits (until ';' or CR), and its length so far including extensions. */
  private sizeDigits = '';
  private inExtension = false;
  private lineBytes = 0;
  /** Bytes left in the current chunk's data. */
  private remaining = 0;
  private trailerBytes = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  push(input: Buffer): ChunkedResult {
    const parts: Buffer[] = [];
    let i = 0;
    while (i < input.length && this.state !== 'done') {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, input.length - i);
        parts.push(input.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-cr';
        continue;
      }
      const error = this.step(input[i] as number);
      if (error !== undefined) return { kind: 'error', reason: error };
      i++;
    }
    return { kind: 'data', parts, done: this.state === 'done', consumed: i };
  }

  /** One byte outside chunk data; returns why the body is malformed, if it is. */
  private step(byte: number): string | undefined {
    switch (this.state) {
      case 'size':
        return this.sizeByte(byte);
      case 'size-lf':
        return byte === LF ? this.endSizeLine() : 'CR without LF after chunk size';
      case 'data-cr':
        this.state = 'data-lf';
        return byte === CR ? undefined : 'chunk data longer than its size';
      case 'data-lf':
        this.state = 'size';
        return byte === LF ? undefined : 'CR without LF after chunk data';
      case 'trailer':
        if (++this.trailerBytes > limits.proxyH1TrailerBytesMax) return 'trailer section too large';
        if (byte === CR) this.state = 'trailer-lf';
        else if (byte === LF) return 'bare LF in trailer';
        else this.lineBytes++;
        return undefined;
      case 'trailer-lf':
        if (byte !== LF) return 'CR without LF in trailer';
        // An empty line ends the trailer section, and the message.
        this.state = this.lineBytes === 0 ? 'done' : 'trailer';
        this.lineBytes = 0;
        return undefined;
      case 'data':
      case 'done':
        return undefined;
    }
  }

  private sizeByte(byte: number): string | undefined {
    if (++this.lineBytes > limits.proxyH1ChunkLineBytesMax) return 'chunk size line too long';
    if (byte === CR) {
      this.state = 'size-lf';
      return undefined;
    }
    if (byte === LF) return 'bare LF after chunk size';
    if (this.inExtension) return byte < 0x20 && byte !== 9 ? 'control character in chunk extension' : undefined;
    if (byte === 59 /* ; */ && this.sizeDigits.length > 0) {
      this.inExtension = true;
      return undefined;
    }
    const isHex = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102);
    // 12 hex digits are 256 TiB: far past any body limit, and exact in a double.
    if (!isHex || this.sizeDigits.length >= 12) return 'invalid chunk size';
    this.sizeDigits += String.fromCharCode(byte);
    return undefined;
  }

  private endSizeLine(): string | undefined {
    if (this.sizeDigits.length === 0) return 'missing chunk size';
    const size = parseInt(this.sizeDigits, 16);
    this.sizeDigits = '';
    this.inExtension = false;
    this.lineBytes = 0;
    this.remaining = size;
    this.state = size === 0 ? 'trailer' : 'data';
    return undefined;
  }
}
