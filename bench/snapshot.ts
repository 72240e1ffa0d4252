// Snapshot benchmark. Run: npm run bench:snapshot (BENCH_SNAPSHOT_KEYS=100000 by default)
//
// Fills a state store with N KV keys (100-byte values, through the FSM as the log would) plus
// 1,000 catalog nodes with a service and a check each, then measures, in this process:
//   1. encodeStateSnapshot (the Raft FSM's snapshot()) and restoreStateSnapshot into a fresh
//      store (its restore()): time and state bytes;
//   2. the snapshot file (gzip + seal) and its verification (unseal + gunzip + checksum);
//   3. the operator restore through the log: begin, 1 MiB chunk commands, commit.
// Every phase is bounded by N; no network, no disk.

import { createHash } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Command, CommandType, encodeCommand } from '../src/catalog/commands.js';
import { Fsm } from '../src/catalog/fsm.js';
import { encodeStateSnapshot, restoreStateSnapshot } from '../src/catalog/snapshot.js';
import { StateStore } from '../src/catalog/store.js';
import { limits } from '../src/lib/limits.js';
import { decodeSnapshotFile, encodeSnapshotFile } from '../src/snapshot/file.js';

const keys = Number(process.env.BENCH_SNAPSHOT_KEYS ?? 100_000);
const nodes = 1_000;

function fill(fsm: Fsm): number {
  let index = 0;
  const value = Buffer.alloc(100, 'v');
  for (let i = 0; i < keys; i++) {
    fsm.apply(++index, encodeCommand({ type: CommandType.KvWrite, write: { verb: 'set', key: `app/config/${i}`, value, flags: 0, session: '', index: 0 } }));
  }
  for (let i = 0; i < nodes; i++) {
    const node = `node-${i}`;
    const command: Command = {
      type: CommandType.Register,
      node: { ID: '', Node: node, Address: `10.0.${i >> 8}.${i & 255}`, Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
      skipNodeUpdate: false,
      service: { ID: 'web', Service: 'web', Tags: ['v1'], Address: '', Meta: {}, Port: 80, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Proxy: { Mode: '', MeshGateway: {}, Expose: {} }, Connect: {} },
      checks: [{ Node: node, CheckID: 'web', Name: 'web', Status: 'passing', Notes: '', Output: '', ServiceID: 'web', Type: 'ttl', Interval: '', Timeout: '', ExposedPort: 0, Definition: {} }],
    };
    fsm.apply(++index, encodeCommand(command));
  }
  return index;
}

/** Wall time is what a client waits; CPU time (user + system of this process) is what the work costs on a busy box. */
function timed<T>(fn: () => T): [T, string] {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(cpu);
  return [value, `${(performance.now() - started).toFixed(0)} ms (cpu ${((used.user + used.system) / 1000).toFixed(0)} ms)`];
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<[T, string]> {
  const started = performance.now();
  const value = await fn();
  return [value, `${(performance.now() - started).toFixed(0)} ms`];
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  console.log(`load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores (wall times stretch with it; cpu times do not)`);
  const source = new Fsm(new StateStore());
  const lastIndex = fill(source);
  const [state, encodeMs] = timed(() => encodeStateSnapshot(source.store));
  const target = new StateStore();
  const [, restoreMs] = timed(() => restoreStateSnapshot(target, state));
  console.log(`state: ${keys} keys + ${nodes} nodes = ${mib(state.length)} MiB; encode ${encodeMs}, restore ${restoreMs}`);

  const [file, fileMs] = await timedAsync(() => encodeSnapshotFile(state, { index: lastIndex, term: 1, createdAt: new Date(), datacenter: 'dc1' }));
  const [, verifyMs] = await timedAsync(() => decodeSnapshotFile(file));
  console.log(`file: ${mib(file.length)} MiB (gzip level 1); write ${fileMs}, verify ${verifyMs} (zlib off the loop)`);

  const fsm = new Fsm(new StateStore());
  let index = 0;
  const id = 'bench';
  const [, logMs] = timed(() => {
    const apply = (command: Command): void => {
      const result = fsm.apply(++index, encodeCommand(command));
      if (!result.ok) throw result.error;
    };
    apply({ type: CommandType.SnapshotRestore, op: 'begin', id });
    let seq = 0;
    for (let at = 0; at < state.length; at += limits.snapshotRestoreChunkBytes) {
      apply({ type: CommandType.SnapshotRestore, op: 'chunk', id, seq: seq++, bytes: state.subarray(at, at + limits.snapshotRestoreChunkBytes) });
    }
    apply({ type: CommandType.SnapshotRestore, op: 'commit', id, chunks: seq, sha256: createHash('sha256').update(state).digest('hex') });
  });
  console.log(`restore through the log: ${index} commands, ${logMs}; rss ${mib(process.memoryUsage().rss)} MiB`);
}

await main();
