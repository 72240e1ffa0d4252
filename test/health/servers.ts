// Real servers for the health tests, each on 127.0.0.1 port 0, each with a switch that turns it
// healthy or unhealthy, and a close() that releases everything (called from t.teardown, so also
// when a test fails).

import { Server as GrpcServer, ServerCredentials, status as grpcStatus, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';

export interface Switchable {
  /** "127.0.0.1:port" */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface HttpBackend extends Switchable {
  /** The answer to every request; replace it to change behaviour. */
  handler: (request: IncomingMessage, response: ServerResponse) => void;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  /** Connections the server still holds open. */
  connections(): Promise<number>;
}

export async function startHttpBackend(t: ExecutionContext, handler: HttpBackend['handler'] = (_request, response) => response.end('ok')): Promise<HttpBackend> {
  const sockets = new Set<Socket>();
  const backend = { handler, requests: [] } as unknown as HttpBackend & { handler: HttpBackend['handler'] };
  const server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      backend.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      backend.handler(request, response);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  const connections = (): Promise<number> => new Promise((resolve) => server.getConnections((_error, count) => resolve(count)));
  Object.assign(backend, { address: `127.0.0.1:${port}`, port, close, connections });
  t.teardown(close);
  return backend;
}

export interface TcpBackend extends Switchable {
  /** Stops listening (connections are refused) or listens again on the same port. */
  setListening(listening: boolean): Promise<void>;
}

export async function startTcpBackend(t: ExecutionContext): Promise<TcpBackend> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let listening = true;
  const setListening = async (next: boolean): Promise<void> => {
    if (next === listening) return;
    listening = next;
    if (next) await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    else {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
  const close = (): Promise<void> => setListening(false);
  t.teardown(close);
  return { address: `127.0.0.1:${port}`, port, setListening, close };
}

export interface UdpBackend extends Switchable {
  /** Whether it answers datagrams (a bound socket that never answers is "silent"). */
  answering: boolean;
  /** Closes the socket: the port becomes unreachable (ICMP port unreachable). */
  unbind(): Promise<void>;
}

export async function startUdpBackend(t: ExecutionContext): Promise<UdpBackend> {
  const socket = createSocket('udp4');
  const backend = { answering: true } as UdpBackend & { answering: boolean };
  socket.on('message', (message, remote) => {
    if (backend.answering) socket.send(message, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  let open = true;
  const unbind = (): Promise<void> =>
    new Promise((resolve) => {
      if (!open) return resolve();
      open = false;
      socket.close(() => resolve());
    });
  Object.assign(backend, { address: `127.0.0.1:${port}`, port, unbind, close: unbind });
  t.teardown(unbind);
  return backend;
}

export interface GrpcBackend extends Switchable {
  /** Serving status per service name ("" = the server); absent → NOT_FOUND, like grpc-health. */
  readonly statuses: Map<string, number>;
  /** When true, Check never answers. */
  hang: boolean;
}

/** A grpc.health.v1 server built from the same two-message wire format, by hand. */
export async function startGrpcBackend(t: ExecutionContext): Promise<GrpcBackend> {
  const server = new GrpcServer();
  const backend = { statuses: new Map<string, number>([['', 1]]), hang: false } as unknown as GrpcBackend & { hang: boolean };
  // An object, not the bare name: grpc-js takes a falsy request ("" for the whole server) as none.
  const decodeService = (bytes: Buffer): { service: string } => ({ service: bytes.length === 0 ? '' : bytes.subarray(2).toString('utf8') });
  server.register(
    '/grpc.health.v1.Health/Check',
    (call: ServerUnaryCall<{ service: string }, number>, callback: sendUnaryData<number>) => {
      if (backend.hang) return;
      const status = backend.statuses.get(call.request.service);
      if (status === undefined) callback({ code: grpcStatus.NOT_FOUND, details: 'unknown service' });
      else callback(null, status);
    },
    (status: number) => Buffer.from([0x08, status]),
    decodeService,
    'unary',
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.forceShutdown();
      resolve();
    });
  Object.assign(backend, { address: `127.0.0.1:${port}`, port, close });
  t.teardown(close);
  return backend;
}

/** A cleartext HTTP/2 (h2c) server, for H2PING. */
export async function startH2Backend(t: ExecutionContext): Promise<Switchable> {
  const server = createH2Server();
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const session of sessions) session.destroy();
      server.close(() => resolve());
    });
  t.teardown(close);
  return { address: `127.0.0.1:${port}`, port, close };
}

/** A port on 127.0.0.1 that nothing listens on (bound then closed). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits until `probe` returns true, polling, with a deadline; fails with `what` if it never does. */
export async function eventually(what: string, probe: () => boolean | Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const endMs = Date.now() + deadlineMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > endMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
