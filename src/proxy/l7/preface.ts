// Which HTTP a cleartext connection speaks: an HTTP/2 client "with prior knowledge" (every gRPC
// client) opens with the fixed 24-byte connection preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
// (RFC 9113 §3.4); anything else is HTTP/1.x. The first bytes are read until they match the
// preface or diverge from it, then put back (unshift) so the chosen server reads them again.

import type { Socket } from 'node:net';

export const h2Preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** 'h2' once `bytes` hold the whole preface, 'http1' once they diverge from it, undefined while a prefix. */
export function classifyPreface(bytes: Buffer): 'h2' | 'http1' | undefined {
  const length = Math.min(bytes.length, h2Preface.length);
  if (!bytes.subarray(0, length).equals(h2Preface.subarray(0, length))) return 'http1';
  return bytes.length >= h2Preface.length ? 'h2' : undefined;
}

/**
 * Reads from `socket` until its protocol is known, puts the bytes back and resolves. A connection
 * that ends (or fails) before that is destroyed and resolves 'closed': what it sent is a prefix of
 * the HTTP/2 preface, which is no HTTP/1 request either, and bytes cannot be put back after the end.
 */
export function sniffPreface(socket: Socket): Promise<'h2' | 'http1' | 'closed'> {
  return new Promise((resolve) => {
    let seen = Buffer.alloc(0);
    const done = (kind: 'h2' | 'http1' | 'closed'): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      if (kind === 'closed') socket.destroy();
      else if (seen.length > 0) socket.unshift(seen);
      resolve(kind);
    };
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const kind = classifyPreface(seen);
      if (kind !== undefined) done(kind);
    };
    const onEnd = (): void => done('closed');
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
    socket.resume();
  });
}
