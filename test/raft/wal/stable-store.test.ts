// Goal: the hard state survives reopen; a torn save (one damaged slot) falls back to the previous
// state; two damaged slots refuse to open; an unchanged state costs no write.
// Method: real files in a temp dir; damage is done by overwriting bytes of the slots directly.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import test from 'ava';
import { StableStore } from '../../../src/raft/wal/stable-store.js';
import { WalCorruptionError } from '../../../src/raft/wal/types.js';
import { tempDir } from './helpers.js';

function damage(path: string, offsetBytes: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Uint8Array.of(0xab, 0xcd), 0, 2, offsetBytes);
  closeSync(fd);
}

test('a new store reads {0,0,0}; saves survive reopen', async (t) => {
  const dir = tempDir(t);
  const store = await StableStore.open(dir);
  t.deepEqual(store.hardState(), { term: 0, vote: 0, commit: 0 });
  store.save({ term: 3, vote: 2, commit: 10 });
  store.save({ term: 3, vote: 2, commit: 11 });
  store.save({ term: 2 ** 40, vote: 7, commit: 2 ** 50 });
  store.close();
  const reopened = await StableStore.open(dir);
  t.deepEqual(reopened.hardState(), { term: 2 ** 40, vote: 7, commit: 2 ** 50 });
  reopened.close();
});

test('a torn save leaves the previous state; both slots damaged is corruption', async (t) => {
  const dir = tempDir(t);
  const store = await StableStore.open(dir);
  store.save({ term: 1, vote: 1, commit: 1 }); // seq 1 → slot at 4096
  store.save({ term: 2, vote: 1, commit: 5 }); // seq 2 → slot at 0
  const path = store.filePath();
  store.close();
  damage(path, 20); // inside the newest record
  const fallback = await StableStore.open(dir);
  t.deepEqual(fallback.hardState(), { term: 1, vote: 1, commit: 1 });
  // The next save (seq 2 again) overwrites the damaged slot and is read back.
  fallback.save({ term: 4, vote: 0, commit: 6 });
  fallback.close();
  t.deepEqual((await StableStore.open(dir)).hardState(), { term: 4, vote: 0, commit: 6 });
  damage(path, 20);
  damage(path, 4096 + 20);
  await t.throwsAsync(StableStore.open(dir), { instanceOf: WalCorruptionError });
});

test('saving the same state again writes nothing', async (t) => {
  const dir = tempDir(t);
  const store = await StableStore.open(dir);
  store.save({ term: 1, vote: 2, commit: 3 });
  const before = readFileSync(store.filePath());
  store.save({ term: 1, vote: 2, commit: 3 });
  t.deepEqual(readFileSync(store.filePath()), before);
  store.close();
});
