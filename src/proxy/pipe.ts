// Splicing two sockets into one L4 stream: bytes flow both ways with backpressure (stream.pipe
// pauses the reader while the writer's buffer is full), each direction closes on its own
// (half-close: the end of one side's reading ends the other side's writing, while the opposite
// direction keeps flowing), and an error or reset on either side destroys both. Both sockets must
// be created with allowHalfOpen, otherwise Node ends a socket's writing when its reading ends.

import type { Duplex } from 'node:stream';

export interface SpliceHooks {
  /** Called once, when both sockets are closed; `error` is the first failure, if any. */
  readonly onClose?: (error: Error | undefined, bytes: { up: number; down: number }) => void;
}

/** `client` ↔ `server`; `up` counts client → server bytes. */
export function splice(client: Duplex, server: Duplex, hooks: SpliceHooks = {}): void {
  let firstError: Error | undefined;
  const bytes = { up: 0, down: 0 };
  client.on('data', (chunk: Buffer) => (bytes.up += chunk.length));
  server.on('data', (chunk: Buffer) => (bytes.down += chunk.length));
  const fail = (error: Error): void => {
    firstError ??= error;
    client.destroy();
    server.destroy();
  };
  client.on('error', fail);
  server.on('error', fail);
  let closed = 0;
  const closeOf = (self: Duplex, other: Duplex) => (): void => {
    closed++;
    // A side that closed without finishing both directions (reset, timeout, error) leaves the
    // other with nobody to talk to; a side that finished cleanly already ended the other's writing.
    if (!other.destroyed && (!self.readableEnded || !self.writableFinished)) other.destroy();
    if (closed === 2) hooks.onClose?.(firstError, bytes);
  };
  client.once('close', closeOf(client, server));
  server.once('close', closeOf(server, client));
  client.pipe(server);
  server.pipe(client);
}
