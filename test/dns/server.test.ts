// Goal: DnsServer's transports and limits over real loopback sockets: UDP and TCP answer the same
// question, many pipelined TCP frames in one write all get answers (no more than the pipelining
// limit in flight at once), a connection idle past dnsTcpIdleMs is closed (on a ManualClock, so
// exactly), an oversized frame cuts the connection, and close() releases everything.
// Method: an in-process DnsServer on 127.0.0.1 (ephemeral port) over the fake catalog.

import test from 'ava';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { decode, encode } from 'dns-packet';
import { DnsServer } from '../../src/dns/server.js';
import { ManualClock } from '../../src/lib/clock.js';
import { limits } from '../../src/lib/limits.js';
import { entry, handlerDeps } from './fixtures.js';

async function startServer(t: import('ava').ExecutionContext): Promise<{ server: DnsServer; port: number; clock: ManualClock }> {
  const deps = handlerDeps([entry({ node: 'n1', address: '10.0.0.1' })]);
  const server = await DnsServer.start(deps, { addresses: ['127.0.0.1'], port: 0 });
  t.teardown(() => server.close());
  const port = Number(server.addresses[0]?.split(':')[1]);
  return { server, port, clock: deps.clock as ManualClock };
}

function frame(id: number): Buffer {
  const body = encode({ id, type: 'query', questions: [{ name: 'web.service.consul', type: 'A' }] });
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(body.length);
  return Buffer.concat([prefix, body]);
}

function readFrames(socket: Socket, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const ids: number[] = [];
    const deadline = setTimeout(() => reject(new Error(`only ${ids.length} of ${count} answers`)), 10_000);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        ids.push(decode(buffered.subarray(2, 2 + length)).id ?? -1);
        buffered = buffered.subarray(2 + length);
      }
      if (ids.length === count) {
        clearTimeout(deadline);
        resolve(ids);
      }
    });
  });
}

test('UDP and TCP answer; pipelined TCP frames in one write all get answers', async (t) => {
  const { port } = await startServer(t);
  const udp = createSocket('udp4');
  t.teardown(() => udp.close());
  const udpReply = await new Promise<Buffer>((resolve) => {
    udp.once('message', resolve);
    udp.send(frame(7).subarray(2), port, '127.0.0.1');
  });
  t.is(decode(udpReply).answers?.[0]?.type, 'A');
  const socket = connect({ host: '127.0.0.1', port });
  t.teardown(() => socket.destroy());
  const count = limits.dnsTcpPipelinedMax * 4;
  const answers = readFrames(socket, count);
  socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => frame(i))));
  t.deepEqual((await answers).sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i));
});

test('a connection idle past the limit is closed; an oversized frame cuts it at once', async (t) => {
  const { port, clock } = await startServer(t);
  const idle = connect({ host: '127.0.0.1', port });
  idle.on('error', () => undefined);
  await new Promise<void>((resolve) => idle.once('connect', () => resolve()));
  idle.write(Buffer.from([0]));
  const closed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
  // Let the server see the connection before time moves.
  await new Promise((resolve) => setTimeout(resolve, 50));
  clock.advance(limits.dnsTcpIdleMs + 1);
  await closed;
  const big = connect({ host: '127.0.0.1', port });
  big.on('error', () => undefined);
  big.write(Buffer.from([0xff, 0xff, 0, 0]));
  await new Promise<void>((resolve) => big.once('close', () => resolve()));
  t.pass();
});
