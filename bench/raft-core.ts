// Raft core benchmark: how many proposals per second the pure core (three RaftCores over
// MemoryStorage, messages passed in-process, no disk, no sockets) commits and applies, so the
// core's CPU cost can be compared with the etcd anchor (../shared/anchors: 3 members, PUT c=64,
// ~10,000 rps for the whole system including fsync and gRPC). Run:
//   npm run build && node dist/bench/raft-core.js
// Bounded: BENCH_PROPOSALS (default 200,000) proposals of 128 bytes, proposed BENCH_BATCH (64) at
// a time between driver rounds, as a busy leader sees them.

import { performance } from 'node:perf_hooks';
import { SeededRandom } from '../src/lib/random.js';
import { MemoryStorage, RAFT_DEFAULTS, RaftCore, type Message } from '../src/raft/index.js';

const proposals = Number(process.env.BENCH_PROPOSALS ?? 200_000);
const batch = Number(process.env.BENCH_BATCH ?? 64);
const ids = [1, 2, 3];
const storages = new Map(ids.map((id) => [id, new MemoryStorage()]));
const cores = new Map(
  ids.map((id) => [
    id,
    new RaftCore({ ...RAFT_DEFAULTS, id, voters: ids, random: new SeededRandom(id), storage: storages.get(id) ?? new MemoryStorage() }),
  ]),
);
let applied = 0;
let inbox: Message[] = [];

function round(): void {
  for (const [id, core] of cores) {
    if (!core.hasReady()) continue;
    const ready = core.ready();
    const storage = storages.get(id);
    storage?.append(ready.entries);
    if (ready.hardState !== undefined) storage?.setHardState(ready.hardState);
    inbox.push(...ready.messages);
    if (id === 1) applied += ready.committedEntries.length;
    core.advance(ready);
    // Keep memory flat: compact what everyone applied, as a snapshotting driver would.
    const status = core.status();
    if (storage !== undefined && status.applied - storage.firstIndex() > 10_000) {
      storage.createSnapshot(status.applied, status.config, new Uint8Array());
      storage.compact(status.applied - 1_000);
    }
  }
  const messages = inbox;
  inbox = [];
  for (const message of messages) cores.get(message.to)?.step(message);
}

const leader = cores.get(1);
if (leader === undefined) throw new Error('no leader core');
leader.campaign();
for (let i = 0; i < 20 && leader.softState().role !== 'leader'; i++) round();
const payload = new Uint8Array(128);
const startMs = performance.now();
const cpuStart = process.cpuUsage();
let proposed = 0;
while (applied < proposals) {
  for (let i = 0; i < batch && proposed < proposals; i++, proposed++) leader.propose(payload);
  round();
}
const elapsedMs = performance.now() - startMs;
const cpu = process.cpuUsage(cpuStart);
const perSecond = (proposals / elapsedMs) * 1000;
console.log(
  `raft core, 3 nodes in one process: ${proposals} proposals of 128 B committed and applied in ${elapsedMs.toFixed(0)} ms ` +
    `= ${Math.round(perSecond).toLocaleString('en')} /s (${((cpu.user + cpu.system) / proposals).toFixed(1)} µs CPU each, all three nodes); ` +
    `${(perSecond / 10_079).toFixed(1)}x the etcd anchor's whole-system PUT c=64 rate (10,079 rps), for the core alone`,
);
