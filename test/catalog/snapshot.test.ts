// Goal: a state snapshot is exact and complete. Restoring store A's snapshot into store B gives
// B every row of every table, every watch key's index, the last index and the index offset of A;
// B's snapshot is byte-for-byte A's; and the same further commands give the same results on both.
// No table can be forgotten (every Table field of the store is in store.tables). A malformed
// snapshot changes nothing; a restore wakes every watcher and ends every blocking query.
// The restore commands (begin/chunk/commit) swap the state only on a complete, checksummed
// staging, and indexes keep growing after a restore of a snapshot taken further along.
// Method: fast-check over random command sequences touching every table (snapshot-fixtures.ts),
// plus table tests.

import { createHash } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import { blockingQuery } from '../../src/catalog/blocking-query.js';
import { type Command, CommandType } from '../../src/catalog/commands.js';
import { kvGet } from '../../src/catalog/reads/kv.js';
import { decodeStateSnapshot, encodeStateSnapshot, restoreStateSnapshot } from '../../src/catalog/snapshot.js';
import { StateStore } from '../../src/catalog/store.js';
import { Table } from '../../src/catalog/table.js';
import { WatchSet, watchKeys } from '../../src/catalog/watch.js';
import { ManualClock } from '../../src/lib/clock.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import { SeededRandom } from '../../src/lib/random.js';
import { Harness, register } from './fixtures.js';
import { kv } from './kv-fixtures.js';
import { commandArbitrary } from './snapshot-fixtures.js';

/** Everything a snapshot must carry, as comparable values. */
function stateOf(store: StateStore): unknown {
  return { tables: store.tables.map((table) => [table.name, table.rows()]), indexes: store.indexes(), lastIndex: store.lastIndex };
}

function resultOf(h: Harness, command: Command): unknown {
  const result = h.apply(command);
  return result.ok ? { ok: true, value: result.value } : { ok: false, code: result.error.code, message: result.error.message };
}

test('every Table field of the store is listed in store.tables, once', (t) => {
  const store = new StateStore();
  const fields = Object.values(store).filter((value) => value instanceof Table);
  t.true(fields.length >= 10);
  t.deepEqual(new Set(store.tables), new Set(fields));
  t.is(new Set(store.tables.map((table) => table.name)).size, store.tables.length, 'table names are distinct');
});

test('property: restore(snapshot(A)) into B gives A exactly; further commands agree', (t) => {
  fc.assert(
    fc.property(fc.array(commandArbitrary, { minLength: 1, maxLength: 40 }), fc.array(commandArbitrary, { maxLength: 15 }), (before, after) => {
      const a = new Harness();
      for (const command of before) a.apply(command);
      const bytes = encodeStateSnapshot(a.store);
      const b = new Harness();
      b.apply(register('stale-row'));
      restoreStateSnapshot(b.store, bytes);
      b.index = a.index;
      t.deepEqual(stateOf(b.store), stateOf(a.store));
      t.deepEqual(encodeStateSnapshot(b.store), bytes, 'equal states give equal bytes');
      for (const command of after) t.deepEqual(resultOf(b, command), resultOf(a, command));
      t.deepEqual(encodeStateSnapshot(b.store), encodeStateSnapshot(a.store));
    }),
    { numRuns: 150 },
  );
});

test('a user map key "__proto__" survives a snapshot as an own property', (t) => {
  const h = new Harness();
  h.ok(register('n1', { node: { Meta: JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string> } }));
  const b = new StateStore();
  restoreStateSnapshot(b, encodeStateSnapshot(h.store));
  const meta = b.nodes.get('n1')?.Meta ?? {};
  t.deepEqual(Object.keys(meta), ['__proto__', 'a']);
  t.true(Object.isFrozen(b.nodes.get('n1')));
});

const malformedCases: { name: string; bytes: (good: Uint8Array) => Uint8Array }[] = [
  { name: 'empty', bytes: () => new Uint8Array() },
  { name: 'truncated', bytes: (good) => good.subarray(0, good.length - 3) },
  { name: 'last frame cut off', bytes: (good) => good.subarray(0, good.length - 10) },
  { name: 'garbage', bytes: () => Uint8Array.from([0, 0, 0, 2, 0xc1, 0xc1]) },
  { name: 'a flipped byte in a length', bytes: (good) => Uint8Array.from(good, (byte, i) => (i === 1 ? byte ^ 0xff : byte)) },
];

for (const { name, bytes } of malformedCases) {
  test(`a malformed snapshot (${name}) is refused with bad_request and changes nothing`, (t) => {
    const source = new Harness();
    source.ok(kv('set', 'k', { value: 'v' }));
    const target = new Harness();
    target.ok(register('n1'));
    const before = encodeStateSnapshot(target.store);
    const error = t.throws(() => restoreStateSnapshot(target.store, bytes(encodeStateSnapshot(source.store))));
    t.true(isTaxiwayError(error) && error.code === 'bad_request', String(error));
    t.regex(error?.message ?? '', /snapshot state is malformed/);
    t.deepEqual(encodeStateSnapshot(target.store), before);
  });
}

test('decode reports rows and bytes per table', (t) => {
  const h = new Harness();
  h.ok(kv('set', 'a', { value: '1' }));
  h.ok(kv('set', 'b', { value: '2' }));
  const summary = decodeStateSnapshot(h.store, encodeStateSnapshot(h.store)).summary;
  t.deepEqual(summary.find((row) => row.table === 'kvs')?.rows, 2);
  t.true((summary.find((row) => row.table === 'kvs')?.bytes ?? 0) > 0);
  t.is(summary.find((row) => row.table === 'nodes')?.rows, 0);
});

test('a restore wakes every watcher and returns a blocked query at once, with the restored index', async (t) => {
  const h = new Harness();
  for (let i = 0; i < 5; i++) h.ok(kv('set', 'k', { value: `${i}` }));
  const old = encodeStateSnapshot(h.store);
  h.ok(kv('set', 'k', { value: 'new' }));
  const clock = new ManualClock();
  let wakes = 0;
  const unwatch = h.store.watch([watchKeys.nodes], () => wakes++);
  t.teardown(unwatch);
  const query = blockingQuery({ store: h.store, clock, random: new SeededRandom(1) }, { minIndex: 6, maxWaitMs: 60_000 }, (watch) => kvGet(h.store, watch, 'k'));
  restoreStateSnapshot(h.store, old);
  const result = await query;
  t.is(wakes, 1);
  t.is(result.index, 5, 'the restored index, below the client’s: the client starts over');
  t.is(h.store.watchedKeyCount, 1, 'only the test watch is left');
  t.is(clock.pendingTimers(), 0);
});

function restoreCommands(id: string, bytes: Uint8Array, chunkBytes: number): Command[] {
  const commands: Command[] = [{ type: CommandType.SnapshotRestore, op: 'begin', id }];
  let seq = 0;
  for (let at = 0; at < bytes.length; at += chunkBytes) commands.push({ type: CommandType.SnapshotRestore, op: 'chunk', id, seq: seq++, bytes: bytes.subarray(at, at + chunkBytes) });
  commands.push({ type: CommandType.SnapshotRestore, op: 'commit', id, chunks: seq, sha256: createHash('sha256').update(bytes).digest('hex') });
  return commands;
}

test('restore through the log: staged chunks commit atomically; indexes continue above the snapshot’s', (t) => {
  const source = new Harness();
  for (let i = 0; i < 30; i++) source.ok(kv('set', `k${i}`, { value: `${i}` }));
  const bytes = encodeStateSnapshot(source.store);
  const target = new Harness();
  target.ok(register('n1'));
  const commands = restoreCommands('r1', bytes, 100);
  for (const command of commands.slice(0, -1)) target.ok(command);
  t.is(target.store.kvs.size, 0, 'nothing changes before the commit');
  const committed = target.apply(commands.at(-1) as Command);
  t.deepEqual(committed, { ok: true, value: { index: 31 } });
  t.deepEqual(
    target.store.tables.filter((table) => table.name !== 'snapshot-restore-staging').map((table) => table.rows()),
    source.store.tables.filter((table) => table.name !== 'snapshot-restore-staging').map((table) => table.rows()),
  );
  t.is(target.store.restoreStaging.size, 0);
  t.is(target.store.maxIndex([watchKeys.kvs]), 30, 'restored key indexes are the snapshot’s');
  target.ok(kv('set', 'k0', { value: 'after' }));
  t.is(kvGet(target.store, new WatchSet(), 'k0').index, 32, 'the next write lands above every restored index');
});

test('restore through the log: a wrong checksum, a missing chunk or a replaced staging is refused and changes nothing', (t) => {
  const source = new Harness();
  source.ok(kv('set', 'k', { value: 'v' }));
  const bytes = encodeStateSnapshot(source.store);
  const target = new Harness();
  target.ok(register('n1'));
  const before = target.store.nodes.rows();
  const commands = restoreCommands('r1', bytes, 16);
  for (const command of commands.slice(0, -1)) target.ok(command);
  const commit = commands.at(-1) as Extract<Command, { op: 'commit' }>;
  t.regex(target.fail({ ...commit, sha256: '00'.repeat(32) }).message, /SHA-256/);
  t.regex(target.fail({ ...commit, chunks: commit.chunks + 1 }).message, /chunks staged/);
  t.regex(target.fail({ type: CommandType.SnapshotRestore, op: 'chunk', id: 'r1', seq: 0, bytes: new Uint8Array(1) }).message, /was expected/);
  target.ok({ type: CommandType.SnapshotRestore, op: 'begin', id: 'r2' });
  t.regex(target.fail(commit).message, /not being staged/);
  t.is(target.store.nodes.rows(), before);
  t.is(target.store.kvs.size, 0);
});

test('a follower restored from a Raft snapshot taken mid-staging commits the same restore', (t) => {
  const source = new Harness();
  source.ok(kv('set', 'k', { value: 'v' }));
  const commands = restoreCommands('r1', encodeStateSnapshot(source.store), 8);
  const leader = new Harness();
  const half = Math.floor(commands.length / 2);
  for (const command of commands.slice(0, half)) leader.ok(command);
  const follower = new Harness();
  restoreStateSnapshot(follower.store, encodeStateSnapshot(leader.store));
  follower.index = leader.index;
  for (const command of commands.slice(half)) t.deepEqual(resultOf(follower, command), resultOf(leader, command));
  t.deepEqual(encodeStateSnapshot(follower.store), encodeStateSnapshot(leader.store));
  t.is(follower.store.kvs.get('k')?.Key, 'k');
});
