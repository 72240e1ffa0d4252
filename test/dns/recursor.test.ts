// Goal: recurse() forwards to each recursor in turn: UDP first, TCP when the UDP answer is
// truncated, the next recursor when one is silent, undefined when none answers; answers with
// another id are ignored. Method: small UDP/TCP servers on 127.0.0.1 with ephemeral ports, the
// real SystemClock with a short timeout.

import test from 'ava';
import { decode, encode, type Packet } from 'dns-packet';
import { recurse, splitRecursor } from '../../src/dns/recursor.js';
import { SystemClock } from '../../src/lib/clock.js';
import { bindUdpTcpPair } from '../../src/lib/udp-tcp-pair.js';

const deps = { clock: new SystemClock() };
const request = encode({ id: 321, type: 'query', flags: 1 << 8, questions: [{ name: 'example.com', type: 'A' }] });

function answerTo(message: Buffer, data: string, truncated = false): Buffer {
  const query = decode(message);
  const packet: Packet = { id: query.id ?? 0, type: 'response', flags: truncated ? 1 << 9 : 0, questions: query.questions ?? [], answers: [{ type: 'A', name: 'example.com', ttl: 5, data }] };
  return encode(packet);
}

/** A UDP server (truncating, wrong-id, silent or plain) and a TCP server on the same port. */
async function upstream(mode: 'plain' | 'truncating' | 'silent' | 'wrong-id'): Promise<{ address: string; close: () => void }> {
  const { udp, tcp, port } = await bindUdpTcpPair('127.0.0.1', 0, (socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => {
      const reply = answerTo(chunk.subarray(2), '192.0.2.2');
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length);
      socket.end(Buffer.concat([prefix, reply]));
    });
  });
  udp.on('message', (message, remote) => {
    if (mode === 'silent') return;
    const reply = answerTo(message, '192.0.2.1', mode === 'truncating');
    if (mode === 'wrong-id') reply.writeUInt16BE(reply.readUInt16BE(0) ^ 1, 0);
    udp.send(reply, remote.port, remote.address);
  });
  return {
    address: `127.0.0.1:${port}`,
    close: () => {
      udp.close();
      tcp.close();
    },
  };
}

function firstA(reply: Buffer | undefined): string | undefined {
  const answer = reply === undefined ? undefined : decode(reply).answers?.[0];
  return answer?.type === 'A' ? answer.data : undefined;
}

test('recursor addresses split into host and port', (t) => {
  t.deepEqual(splitRecursor('10.0.0.1:53'), { host: '10.0.0.1', port: 53 });
  t.deepEqual(splitRecursor('[::1]:5353'), { host: '::1', port: 5353 });
});

test('UDP answer passed through with its id', async (t) => {
  const server = await upstream('plain');
  t.teardown(server.close);
  const reply = await recurse(deps, request, [server.address], 1000);
  t.is(firstA(reply), '192.0.2.1');
  t.is(reply?.readUInt16BE(0), 321);
});

test('a truncated UDP answer is asked again over TCP', async (t) => {
  const server = await upstream('truncating');
  t.teardown(server.close);
  t.is(firstA(await recurse(deps, request, [server.address], 1000)), '192.0.2.2');
});

test('a silent or wrong-id recursor hands over to the next; none answering is undefined', async (t) => {
  const silent = await upstream('silent');
  const wrong = await upstream('wrong-id');
  const plain = await upstream('plain');
  t.teardown(() => {
    silent.close();
    wrong.close();
    plain.close();
  });
  t.is(firstA(await recurse(deps, request, [silent.address, wrong.address, plain.address], 200)), '192.0.2.1');
  t.is(await recurse(deps, request, [silent.address, wrong.address], 200), undefined);
});
