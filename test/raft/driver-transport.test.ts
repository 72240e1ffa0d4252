// Goal: WireTransport delivers Raft messages between nodes over real loopback TCP — including the
// first message to a peer never contacted (held while the connection is dialed, not dropped,
// since a lost vote request costs an election timeout) — refuses unknown peers and drops what
// cannot be delivered, reporting the peer unreachable; decoded messages keep their byte fields.
// Method: two transports with their own WireServers on port 0; conditions awaited with deadlines.

import test from 'ava';
import { SystemClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import { WireTransport } from '../../src/raft/driver/index.js';
import type { Message } from '../../src/raft/index.js';
import { WireServer } from '../../src/rpc/wire/index.js';
import { waitFor } from './driver-harness.js';

const clock = new SystemClock();

async function pair(t: import('ava').ExecutionContext): Promise<{ a: WireTransport; b: WireTransport; received: Message[] }> {
  const a = new WireTransport({ clock, random: new SeededRandom(1), peers: new Map() });
  const b = new WireTransport({ clock, random: new SeededRandom(2), peers: new Map() });
  const server = await WireServer.listen({ host: '127.0.0.1', port: 0, clock, protocols: { raft: b.service() } });
  a.setPeer(2, `127.0.0.1:${server.address().port}`);
  const received: Message[] = [];
  b.onMessage((message) => received.push(message));
  t.teardown(async () => {
    await a.close();
    await b.close();
    await server.close();
  });
  return { a, b, received };
}

const append = (index: number): Message => ({ type: 'append', from: 1, to: 2, term: 3, index, logTerm: 3, commit: index, entries: [{ index: index + 1, term: 3, type: 'normal', data: Buffer.from(`e${index}`) }] });

test('the first messages to a peer are held while dialing, then delivered in order', async (t) => {
  const { a, received } = await pair(t);
  t.is(a.send(2, { type: 'vote', from: 1, to: 2, term: 4, preVote: true, lastIndex: 9, lastTerm: 3, transfer: false }), 'sent');
  t.is(a.send(2, append(10)), 'sent');
  await waitFor(() => received.length === 2, 5_000, 'two messages');
  t.is(received[0]?.type, 'vote');
  const second = received[1];
  t.is(second?.type, 'append');
  if (second?.type === 'append') t.is(Buffer.from(second.entries[0]?.data ?? []).toString(), 'e10');
  t.is(a.droppedMessages(), 0);
});

test('an unknown peer is unreachable; a dead address drops the held messages', async (t) => {
  const { a } = await pair(t);
  t.is(a.send(9, append(1)), 'unreachable');
  const probe = await WireServer.listen({ host: '127.0.0.1', port: 0, clock, protocols: {} });
  const deadPort = probe.address().port;
  await probe.close();
  a.setPeer(3, `127.0.0.1:${deadPort}`);
  t.is(a.send(3, { ...append(1), to: 3 }), 'sent', 'held while the dial is under way');
  await waitFor(() => a.droppedMessages() === 2, 5_000, 'the held message to be dropped');
  t.pass();
});
