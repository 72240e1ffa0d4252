// HTTP/1.1 Upgrade (WebSocket) through the L7 proxy. The upgrade request is routed like any other
// (route, split, failover, intentions on the inbound side); then:
//   1. it is sent on a fresh connection of its own (an upgraded connection is never pooled), with
//      its hop-by-hop Connection: Upgrade / Upgrade: headers kept, by node:http's client;
//   2. a 101 answer yields the upstream socket and the bytes read past its head; any other answer
//      is an ordinary response;
//   3. the 101 is written to the client's socket with the upstream's headers, the early bytes of
//      each side are passed on, and the two sockets are spliced (pipe.ts: backpressure, half-close).

import { createServer, type IncomingMessage, request as httpRequest, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { DispatchError, type L7Request, type L7Response } from './dispatch.js';
import { connectionHas } from './h1/answer.js';

/**
 * The node:http server an L7 listener hands its Upgrade and CONNECT connections to (the codec,
 * h1/server.ts, puts their bytes back first). Only upgrade requests reach it; anything else on a
 * handed-over connection is refused with 400.
 */
export function upgradeServer(onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void): Server {
  const server = createServer((_request, response) => response.writeHead(400, { connection: 'close' }).end());
  server.on('upgrade', onUpgrade);
  return server;
}

/** Whether an HTTP/1.1 request asks for a protocol upgrade (Connection lists "upgrade", Upgrade set). */
export function wantsUpgrade(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return headers.upgrade !== undefined && connectionHas(headers.connection, 'upgrade');
}

/** Headers for the upgrade request on the next hop: Connection reduced to "upgrade", the rest kept. */
function upgradeHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && name !== 'keep-alive' && name !== 'proxy-connection' && name !== 'transfer-encoding') out[name] = value;
  out.connection = 'upgrade';
  return out;
}

/**
 * Sends the upgrade `request` on `socket` (already connected) and resolves with the answer: a 101
 * carries `upgraded`; other answers stream their body. Failures before an answer are 'reset'.
 */
export function sendUpgrade(socket: Duplex, request: L7Request, signal: AbortSignal): Promise<L7Response> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ method: request.method, path: request.path, headers: upgradeHeaders(request.headers), createConnection: () => socket });
    const onAbort = (): void => {
      outgoing.destroy();
      socket.destroy();
      reject(signal.reason instanceof Error ? signal.reason : new DispatchError('reset', 'request cancelled'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal.removeEventListener('abort', onAbort);
    outgoing.once('upgrade', (response, upgradedSocket, head) => {
      settle();
      resolve({ status: 101, headers: response.headers, body: response, upgraded: { socket: upgradedSocket, head } });
    });
    outgoing.once('response', (response) => {
      settle();
      resolve({ status: response.statusCode ?? 502, headers: response.headers, body: response });
    });
    outgoing.once('error', (error) => {
      settle();
      reject(new DispatchError('reset', error.message));
    });
    outgoing.end();
  });
}

function headBytes(status: number, headers: Readonly<Record<string, string | string[] | undefined>>): Buffer {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Answers an upgrade request on the client's raw socket: a 101 is written and `onUpgraded` splices
 * the sockets; any other answer is written with Connection: close and its body, then the socket ends.
 */
export function answerUpgrade(client: Duplex, clientHead: Buffer, result: L7Response, onUpgraded: (client: Duplex, upstream: Duplex) => void): void {
  const upgraded = result.upgraded;
  if (upgraded !== undefined) {
    client.write(headBytes(101, { ...result.headers, connection: 'Upgrade' }));
    if (upgraded.head.length > 0) client.write(upgraded.head);
    if (clientHead.length > 0) upgraded.socket.write(clientHead);
    onUpgraded(client, upgraded.socket);
    return;
  }
  const headers: Record<string, string | string[] | undefined> = { ...result.headers, connection: 'close' };
  delete headers['transfer-encoding'];
  delete headers['keep-alive'];
  client.write(headBytes(result.status, headers));
  result.body.on('error', () => client.destroy());
  result.body.pipe(client);
}
