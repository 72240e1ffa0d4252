// One taxiway Raft node for bench/raft.ts, run as its own process so that `kill -9` is a real
// crash: a RaftDriver with durable storage in --dir, a WireTransport, a trivial KV state machine,
// and one WireServer port serving both protocol 'raft' (peers) and protocol 'client' (the bench).
//   node dist/bench/raft-node.js --id 1 --dir D --port P --peers 1=127.0.0.1:P1,2=…,3=…
// Client methods: put {key, value} → applied index (refused with the leader hint when not leader);
// status → {id, leader, isLeader, term, applied}. Prints "ready" once listening.
// Timing: tickMs 10, electionTicks 100, heartbeatTicks 10 — election timeout 1000–2000 ms and
// heartbeats every 100 ms, etcd's defaults (--heartbeat-interval 100, --election-timeout 1000,
// which etcd also randomizes up to 2×). The 10 ms tick (not 100 ms × 10) matters with checkQuorum:
// a voter refuses a (pre-)vote while it heard from a leader within electionTicks, and with coarse
// ticks a candidate drawing the minimum timeout is refused one tick early about half the time,
// costing a whole extra timeout. Unlike etcd 3.4's defaults we run preVote and checkQuorum.

import { parseArgs } from 'node:util';
import { Packr } from 'msgpackr';
import { SystemClock } from '../src/lib/clock.js';
import { CryptoRandom } from '../src/lib/random.js';
import { type Fsm, RaftDriver, WireTransport } from '../src/raft/driver/index.js';
import type { Entry, NodeId } from '../src/raft/index.js';
import { WireServer } from '../src/rpc/wire/index.js';

const packr = new Packr({ useRecords: false });

/** Commands are [u8 key length][key][value]; apply returns the entry index. */
class KvFsm implements Fsm<number> {
  private state = new Map<string, Uint8Array>();

  apply(entry: Entry): number {
    const data = entry.data;
    if (data.length === 0) return entry.index;
    const keyBytes = data[0] ?? 0;
    const key = Buffer.from(data.buffer, data.byteOffset + 1, keyBytes).toString('latin1');
    this.state.set(key, data.subarray(1 + keyBytes));
    return entry.index;
  }

  snapshot(): Uint8Array {
    return packr.pack([...this.state]);
  }

  restore(data: Uint8Array): void {
    this.state = new Map(packr.unpack(data) as [string, Uint8Array][]);
  }
}

export function encodePut(key: string, value: Uint8Array): Buffer {
  const keyBytes = Buffer.from(key, 'latin1');
  const out = Buffer.allocUnsafe(1 + keyBytes.length + value.length);
  out[0] = keyBytes.length;
  keyBytes.copy(out, 1);
  out.set(value, 1 + keyBytes.length);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { id: { type: 'string' }, dir: { type: 'string' }, port: { type: 'string' }, peers: { type: 'string' }, 'snapshot-every': { type: 'string', default: '10000' } } });
  const id = Number(values.id);
  const peers = new Map<NodeId, string>();
  for (const part of (values.peers ?? '').split(',')) {
    const [peer = '', address = ''] = part.split('=');
    peers.set(Number(peer), address);
  }
  const clock = new SystemClock();
  const random = new CryptoRandom();
  const transport = new WireTransport({ clock, random, peers });
  const fsm = new KvFsm();
  const driver = await RaftDriver.open<number>({
    id,
    voters: [...peers.keys()],
    dir: values.dir ?? '',
    clock,
    random,
    transport,
    fsm,
    tickMs: 10,
    tuning: { electionTicks: 100, heartbeatTicks: 10 },
    snapshotEveryEntries: Number(values['snapshot-every']),
    onFatal: (error) => {
      console.error('raft-node fatal', error);
      process.exit(1);
    },
  });
  const server = await WireServer.listen({
    host: '127.0.0.1',
    port: Number(values.port),
    clock,
    protocols: {
      raft: transport.service(),
      client: {
        versionMin: 1,
        versionMax: 1,
        handlers: {
          call: (method, body) => {
            if (method === 'put') {
              const { key, value } = body as { key: string; value: Uint8Array };
              return driver.propose(encodePut(key, value));
            }
            const status = driver.status();
            return Promise.resolve({ id, leader: status.leader, isLeader: status.role === 'leader', term: status.term, applied: driver.appliedIndex() });
          },
          message: () => undefined,
        },
      },
    },
  });
  const stop = (): void => {
    void (async () => {
      await driver.close();
      await transport.close();
      await server.close();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write('ready\n');
}

if (process.argv[1]?.endsWith('raft-node.js')) await main();
