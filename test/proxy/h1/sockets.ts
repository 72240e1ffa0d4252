// Helpers for the h1 codec tests: loopback servers torn down with the test, raw clients that read
// until a condition holds (with a deadline, never a fixed sleep).

import { createServer, type Server, type Socket, connect } from 'node:net';
import type { ExecutionContext } from 'ava';

/** Listens on 127.0.0.1 (free port); the server and all its sockets are closed at teardown. */
export async function listen(t: ExecutionContext, onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, sockets };
}

/** Polls `condition` until it holds or `deadlineMs` passes. */
export async function waitFor(condition: () => boolean, what: string, deadlineMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A raw client: everything received so far, whether the server closed, and a way to wait. */
export interface RawClient {
  readonly socket: Socket;
  received(): string;
  closed(): boolean;
  until(condition: (text: string) => boolean, what: string): Promise<string>;
}

export async function rawClient(t: ExecutionContext, port: number): Promise<RawClient> {
  const socket = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  t.teardown(() => socket.destroy());
  let text = '';
  let isClosed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  // The server's FIN or a reset: either way it is done with this connection.
  socket.on('end', () => (isClosed = true));
  socket.on('close', () => (isClosed = true));
  return {
    socket,
    received: () => text,
    closed: () => isClosed,
    until: async (condition, what) => {
      await waitFor(() => condition(text) || isClosed, what);
      if (!condition(text)) throw new Error(`closed before ${what}; received ${JSON.stringify(text)}`);
      return text;
    },
  };
}

/** How many times `needle` occurs in `text`. */
export function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
