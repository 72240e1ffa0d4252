// The joiner's bootstrap decision over scripted hellos: wait for bootstrap-expect servers without
// state, start with a running cluster's voters when this server is among them, join with none when
// it is not, and ignore servers of other datacenters.

import test from 'ava';
import pino from 'pino';
import { ManualClock } from '../../../src/lib/clock.js';
import type { HelloFacts, RpcReply, ServerInfo } from '../../../src/rpc/protocol.js';
import { ServerJoiner } from '../../../src/server/cluster/joiner.js';
import { PeerBook } from '../../../src/server/cluster/peer-book.js';
import { raftIdOf } from '../../../src/server/cluster/server-info.js';

const server = (n: number, datacenter = 'dc1'): ServerInfo => ({ id: `0000000${n}-0000-4000-8000-000000000000`, name: `s${n}`, address: `10.0.0.${n}:8300`, datacenter });
const facts = (info: ServerInfo, fields: Partial<HelloFacts> = {}): HelloFacts => ({ self: info, bootstrapExpect: 3, hasState: false, voters: [], ...fields });

function joiner(replies: Map<string, HelloFacts>, clock: ManualClock): ServerJoiner {
  return new ServerJoiner({
    self: server(1),
    bootstrapExpect: 3,
    joinAddresses: ['10.0.0.2:8300', '10.0.0.3:8300', '10.0.0.9:8300'],
    retryIntervalMs: 1000,
    clock,
    hello: (address) => {
      const reply = replies.get(address);
      return reply === undefined ? Promise.reject(new Error('refused')) : Promise.resolve({ ...reply, servers: [reply.self] } as RpcReply<'Cluster.Hello'>);
    },
    book: new PeerBook(undefined),
    logger: pino({ level: 'silent' }),
    raftFacts: () => ({ hasState: false, voters: [] }),
    joined: () => false,
    onHello: () => undefined,
  });
}

async function settle(clock: ManualClock, promise: Promise<number[]>): Promise<number[]> {
  let result: number[] | undefined;
  void promise.then((voters) => (result = voters));
  for (let round = 0; round < 20 && result === undefined; round++) {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    clock.advance(1000);
  }
  if (result === undefined) throw new Error('no decision');
  return result;
}

test('waits until bootstrap-expect servers answer, then all of them are the voters', async (t) => {
  const clock = new ManualClock();
  const replies = new Map([['10.0.0.2:8300', facts(server(2))]]);
  const decision = joiner(replies, clock).bootstrapVoters();
  for (let i = 0; i < 40; i++) await Promise.resolve();
  clock.advance(1000);
  replies.set('10.0.0.3:8300', facts(server(3)));
  replies.set('10.0.0.9:8300', facts(server(9, 'dc2')));
  t.deepEqual(await settle(clock, decision), [1, 2, 3].map((n) => raftIdOf(server(n).id)).sort((a, b) => a - b));
});

test('a server already running Raft with this one among its voters gives its voters', async (t) => {
  const voters = [1, 2, 3].map((n) => raftIdOf(server(n).id));
  const replies = new Map([['10.0.0.2:8300', facts(server(2), { voters })]]);
  t.deepEqual(await settle(new ManualClock(), joiner(replies, new ManualClock()).bootstrapVoters()), voters);
});

test('a cluster that runs without this server, or holds state from before, is joined with no voters', async (t) => {
  const others = [2, 3, 4].map((n) => raftIdOf(server(n).id));
  const running = new Map([['10.0.0.2:8300', facts(server(2), { voters: others })]]);
  t.deepEqual(await settle(new ManualClock(), joiner(running, new ManualClock()).bootstrapVoters()), []);
  const restarted = new Map([['10.0.0.3:8300', facts(server(3), { hasState: true })]]);
  t.deepEqual(await settle(new ManualClock(), joiner(restarted, new ManualClock()).bootstrapVoters()), []);
});
