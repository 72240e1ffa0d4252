// recursor: names outside our domains go to the configured recursors, in order. Each gets the
// request bytes over UDP; a truncated (TC) answer is asked again over TCP; a recursor that does not
// answer within recursor_timeout, or fails, hands over to the next. undefined when none answered
// (the caller replies SERVFAIL). Consul's handleRecurse does the same (agent/dns.go).

import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import type { Clock } from '../lib/clock.js';
import { limits } from '../lib/limits.js';

export interface RecursorDeps {
  readonly clock: Clock;
}

/** "1.2.3.4:53" / "[::1]:53" → host and port. */
export function splitRecursor(recursor: string): { host: string; port: number } {
  const match = /^\[(.+)\]:(\d+)$/.exec(recursor) ?? /^([^:]+):(\d+)$/.exec(recursor);
  if (match === null) return { host: recursor, port: 53 };
  return { host: match[1] ?? '', port: Number(match[2]) };
}

export async function recurse(deps: RecursorDeps, request: Buffer, recursors: readonly string[], timeoutMs: number): Promise<Buffer | undefined> {
  for (const recursor of recursors) {
    const { host, port } = splitRecursor(recursor);
    const udp = await exchangeUdp(deps.clock, request, host, port, timeoutMs);
    if (udp === undefined) continue;
    const truncated = udp.length >= 4 && (udp.readUInt16BE(2) & (1 << 9)) !== 0;
    if (!truncated) return udp;
    const tcp = await exchangeTcp(deps.clock, request, host, port, timeoutMs);
    return tcp ?? udp;
  }
  return undefined;
}

function sameId(request: Buffer, reply: Buffer): boolean {
  return reply.length >= 12 && reply.readUInt16BE(0) === request.readUInt16BE(0) && (reply.readUInt16BE(2) & 0x8000) !== 0;
}

function exchangeUdp(clock: Clock, request: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (reply: Buffer | undefined): void => {
      if (done) return;
      done = true;
      timer.cancel();
      socket.close();
      resolve(reply);
    };
    const timer = clock.setTimer(timeoutMs, () => finish(undefined));
    socket.on('error', () => finish(undefined));
    socket.on('message', (reply) => {
      if (sameId(request, reply)) finish(reply);
    });
    socket.send(request, port, host, (error) => {
      if (error) finish(undefined);
    });
  });
}

function exchangeTcp(clock: Clock, request: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let buffered = Buffer.alloc(0);
    let done = false;
    const finish = (reply: Buffer | undefined): void => {
      if (done) return;
      done = true;
      timer.cancel();
      socket.destroy();
      resolve(reply);
    };
    const timer = clock.setTimer(timeoutMs, () => finish(undefined));
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(request.length);
      socket.write(Buffer.concat([prefix, request]));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > limits.dnsRecursorAnswerBytesMax + 2) return finish(undefined);
      if (buffered.length < 2) return;
      const length = buffered.readUInt16BE(0);
      if (buffered.length < 2 + length) return;
      const reply = buffered.subarray(2, 2 + length);
      finish(sameId(request, reply) ? Buffer.from(reply) : undefined);
    });
  });
}
