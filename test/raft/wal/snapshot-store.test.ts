// Goal: snapshots are saved durably from bytes or a stream, latest() returns the newest intact
// one with its meta and data, only the newest N are kept, a damaged newest file is skipped in
// favour of the older one, and a failed save leaves no file behind.
// Method: real files in a temp dir; damage is a byte flip in the data or a truncated file.

import { closeSync, openSync, readdirSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { SnapshotStore } from '../../../src/raft/wal/snapshot-store.js';
import type { SnapshotMeta } from '../../../src/raft/wal/types.js';
import { tempDir } from './helpers.js';

const meta = (index: number, term: number): SnapshotMeta => ({ index, term, config: { voters: [1, 2, 3], learners: [4] } });

async function* chunks(count: number, bytes: number): AsyncIterable<Uint8Array> {
  for (let k = 0; k < count; k++) yield Buffer.alloc(bytes, k & 0xff);
  await Promise.resolve();
}

test('save from bytes and from a stream; latest() returns the newest with meta and data', async (t) => {
  const dir = tempDir(t);
  const store = await SnapshotStore.open(dir, 2);
  t.is(await store.latest(), undefined);
  await store.save(meta(10, 1), Buffer.from('state at 10'));
  const first = await store.latest();
  t.deepEqual(first?.meta, meta(10, 1));
  t.is((await first?.read())?.toString(), 'state at 10');
  await store.save(meta(20, 2), chunks(50, 10_000));
  const second = await store.latest();
  t.deepEqual(second?.meta, meta(20, 2));
  t.is(second?.dataBytes, 500_000);
  const data = await second?.read();
  t.is(data?.length, 500_000);
  t.is(data?.[499_999], 49);
  const streamed: Buffer[] = [];
  for await (const chunk of second?.stream() ?? []) streamed.push(chunk as Buffer);
  t.true(Buffer.concat(streamed).equals(data ?? Buffer.alloc(0)));
});

test('only the newest N are kept; an empty snapshot is valid', async (t) => {
  const dir = tempDir(t);
  const store = await SnapshotStore.open(dir, 2);
  for (const index of [5, 6, 7, 8]) await store.save(meta(index, 1), Buffer.from(`s${index}`));
  t.deepEqual(store.names().length, 2);
  t.is((await store.latest())?.meta.index, 8);
  await store.save(meta(9, 1), new Uint8Array(0));
  const empty = await store.latest();
  t.is(empty?.dataBytes, 0);
  t.is((await empty?.read())?.length, 0);
});

test('a damaged newest snapshot is skipped in favour of the older one', async (t) => {
  const dir = tempDir(t);
  const store = await SnapshotStore.open(dir, 3);
  await store.save(meta(10, 1), Buffer.alloc(100_000, 1));
  await store.save(meta(20, 1), Buffer.alloc(100_000, 2));
  await store.save(meta(30, 1), Buffer.alloc(100_000, 3));
  const [newest, middle] = store.names();
  if (newest === undefined || middle === undefined) return t.fail();
  const fd = openSync(join(dir, newest), 'r+');
  writeSync(fd, Uint8Array.of(9), 0, 1, 50_000);
  closeSync(fd);
  t.is((await store.latest())?.meta.index, 20);
  truncateSync(join(dir, middle), 1000);
  const survivor = await store.latest();
  t.is(survivor?.meta.index, 10);
  t.is((await survivor?.read())?.[99_999], 1);
});

test('a save whose stream fails leaves no file; a leftover temp file is removed on open', async (t) => {
  const dir = tempDir(t);
  const store = await SnapshotStore.open(dir);
  async function* failing(): AsyncIterable<Uint8Array> {
    yield Buffer.from('part');
    await Promise.resolve();
    throw new Error('fsm snapshot failed');
  }
  await t.throwsAsync(store.save(meta(10, 1), failing()), { message: 'fsm snapshot failed' });
  t.deepEqual(readdirSync(dir), []);
  await store.save(meta(11, 1), Buffer.from('ok'));
  closeSync(openSync(join(dir, 'snap-0000000000000012-0000000000000001.snap.tmp'), 'w'));
  await SnapshotStore.open(dir);
  t.deepEqual(readdirSync(dir), ['snap-000000000000000b-0000000000000001.snap']);
});
