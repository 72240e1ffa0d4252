// Writing one answer on an HTTP/1.1 server connection (server.ts). The codec owns the framing: the
// answer's own Connection, Keep-Alive, Transfer-Encoding and Content-Length are dropped and set
// here. A body that is already whole (bufferedBody) goes out with its head in ONE socket write -
// the fast path that makes the codec worth having; other bodies stream with backpressure, framed by
// the answer's Content-Length when it has a valid one, else chunked (HTTP/1.1) or by closing the
// connection (HTTP/1.0). A streamed body that fails or overruns its length destroys the connection:
// the client must not take a truncated body for a whole one.

import { STATUS_CODES } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { bufferedBytes } from './buffered-body.js';
import { contentLengthOf } from './framing.js';

export type AnswerHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What the connection does after the answer: serve the next request, close, or it is already destroyed. */
export type AnswerOutcome = 'keep-alive' | 'close' | 'failed';

/** Fields the codec frames itself; the answer's values for them describe another hop. */
const framedHere = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'proxy-connection']);

/** Whether a Connection header value lists `token` (e.g. "close", "keep-alive", "upgrade"). */
export function connectionHas(value: string | string[] | undefined, token: string): boolean {
  if (value === undefined) return false;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text.length === token.length) return text.toLowerCase() === token;
  return text.split(',').some((part) => part.trim().toLowerCase() === token);
}

/** A field that could split the head (CR, LF, or a name with a colon or space) is dropped, not written. */
function isSafeField(name: string, value: string): boolean {
  return !(value.includes('\r') || value.includes('\n') || name.includes(':') || name.includes(' ') || name.includes('\r') || name.includes('\n'));
}

/** The status line and the answer's end-to-end fields, ending in CRLF (framing lines come after). */
export function answerHeadStart(status: number, headers: AnswerHeaders): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.length === 0) continue;
    const lower = name.toLowerCase();
    if (framedHere.has(lower)) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (isSafeField(name, item)) head += `${name}: ${item}\r\n`;
    } else if (isSafeField(name, value)) head += `${name}: ${value}\r\n`;
  }
  return head;
}

export interface AnswerContext {
  readonly method: string;
  readonly version: '1.0' | '1.1';
  /** Whether the connection would stay open after this answer (request and answer agree). */
  readonly keepAlive: boolean;
}

/**
 * Writes `answer` on `socket`: a whole (or bodiless) answer at once, returning the outcome; a
 * streamed one resolves once the body is handed to the socket (or the connection failed). The body
 * is always ended or destroyed, so its 'close' fires.
 */
export function writeAnswer(socket: Duplex, context: AnswerContext, status: number, headers: AnswerHeaders, body: Readable): AnswerOutcome | Promise<AnswerOutcome> {
  const bodiless = context.method === 'HEAD' || status < 200 || status === 204 || status === 304;
  const declared = headers['content-length'] === undefined ? undefined : contentLengthOf(headers['content-length']);
  let keepAlive = context.keepAlive;
  const start = answerHeadStart(status, headers);
  const buffered = bufferedBytes(body);
  if (bodiless || buffered !== undefined) {
    body.destroy();
    // A HEAD or 304 answer may say how long the body would be; 1xx and 204 never carry a length.
    const length = bodiless ? (declared !== undefined && (context.method === 'HEAD' || status === 304) ? declared : undefined) : buffered?.length;
    const head = `${start}${length === undefined ? '' : `content-length: ${length}\r\n`}${connectionLine(context.version, keepAlive)}\r\n`;
    if (bodiless || buffered === undefined || buffered.length === 0) socket.write(head, 'latin1');
    else socket.write(oneWrite(head, buffered));
    return keepAlive ? 'keep-alive' : 'close';
  }
  let framing: 'length' | 'chunked' | 'close';
  if (declared !== undefined) framing = 'length';
  else if (context.version === '1.1') framing = 'chunked';
  else {
    framing = 'close';
    keepAlive = false;
  }
  const lengthLine = framing === 'length' ? `content-length: ${declared}\r\n` : framing === 'chunked' ? 'transfer-encoding: chunked\r\n' : '';
  socket.write(`${start}${lengthLine}${connectionLine(context.version, keepAlive)}\r\n`, 'latin1');
  return streamBody(socket, body, framing, declared ?? 0).then((ok) => (ok ? (keepAlive ? 'keep-alive' : 'close') : 'failed'));
}

function connectionLine(version: '1.0' | '1.1', keepAlive: boolean): string {
  if (!keepAlive) return 'connection: close\r\n';
  return version === '1.0' ? 'connection: keep-alive\r\n' : '';
}

/** Head and body copied into one buffer: one write, one syscall, one TCP segment when small. */
function oneWrite(head: string, body: Buffer): Buffer {
  const headLength = Buffer.byteLength(head, 'latin1');
  const out = Buffer.allocUnsafe(headLength + body.length);
  out.write(head, 0, 'latin1');
  body.copy(out, headLength);
  return out;
}

const crlf = Buffer.from('\r\n');
const lastChunk = Buffer.from('0\r\n\r\n');

/** Pipes `body` into `socket` framed as told; false when either side failed (the socket is then destroyed). */
function streamBody(socket: Duplex, body: Readable, framing: 'length' | 'chunked' | 'close', lengthBytes: number): Promise<boolean> {
  return new Promise((resolve) => {
    let sentBytes = 0;
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      socket.off('close', onSocketClose);
      socket.off('drain', onDrain);
      if (!ok) {
        socket.destroy();
        body.destroy();
      }
      resolve(ok);
    };
    const onDrain = (): void => {
      body.resume();
    };
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      sentBytes += chunk.length;
      if (framing === 'length' && sentBytes > lengthBytes) return finish(false);
      let flushed: boolean;
      if (framing === 'chunked') {
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        flushed = socket.write(crlf);
        socket.uncork();
      } else flushed = socket.write(chunk);
      if (!flushed) {
        body.pause();
        socket.once('drain', onDrain);
      }
    };
    const onEnd = (): void => {
      if (framing === 'length' && sentBytes !== lengthBytes) return finish(false);
      if (framing === 'chunked') socket.write(lastChunk);
      finish(true);
    };
    const onSocketClose = (): void => finish(false);
    body.on('data', onData);
    body.once('end', onEnd);
    body.on('error', () => finish(false));
    socket.once('close', onSocketClose);
  });
}
