// Goal: LogStore keeps exactly the entries appended, across reopen, segment rolls, suffix
// truncation on conflict, compaction of whole segments, and reset after a snapshot; term() answers
// at the compaction boundary; entries() honours maxBytes but returns at least one entry.
// Method: real files in a temp dir (removed on pass or fail), small segments (4 KiB) so a few
// dozen entries span several segments; every state is checked before and after reopening.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { LogStore } from '../../../src/raft/wal/log-store.js';
import { isTaxiwayError } from '../../../src/lib/errors.js';
import { entries, entry, plain, tempDir } from './helpers.js';

const small = { segmentBytes: 4096, entryBytesMax: 1024 };

test('append, read, reopen: a new log is empty, appended entries come back identical', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  t.is(log.firstIndex(), 1);
  t.is(log.lastIndex(), 0);
  t.is(log.term(0), 0);
  t.is(log.term(1), undefined);
  log.append(entries(1, 10, 1));
  log.append(entries(11, 12, 2));
  t.deepEqual(plain(log.entries(1, 13)), plain([...entries(1, 10, 1), ...entries(11, 12, 2)]));
  await log.close();
  const reopened = await LogStore.open(dir, small);
  t.is(reopened.lastIndex(), 12);
  t.is(reopened.term(12), 2);
  t.is(reopened.term(10), 1);
  t.deepEqual(plain(reopened.entries(5, 13)), plain([...entries(5, 10, 1), ...entries(11, 12, 2)]));
  reopened.append(entries(13, 13, 2));
  t.is(reopened.lastIndex(), 13);
  await reopened.close();
});

test('an append at an index ≤ lastIndex replaces the suffix from there, also after reopen', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 20, 1));
  log.append([entry(15, 2), entry(16, 2)]);
  t.is(log.lastIndex(), 16);
  t.deepEqual(plain(log.entries(13, 17)), plain([entry(13, 1), entry(14, 1), entry(15, 2), entry(16, 2)]));
  await log.close();
  const reopened = await LogStore.open(dir, small);
  t.is(reopened.lastIndex(), 16);
  t.deepEqual(plain(reopened.entries(1, 17)), plain([...entries(1, 14, 1), entry(15, 2), entry(16, 2)]));
  await reopened.close();
});

test('segments roll when full and truncation across segments deletes the later ones', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  // 24 data bytes → 49 bytes per record; 4064 usable bytes → 82 records per segment.
  log.append(entries(1, 300, 1));
  t.true(log.segmentCount() >= 4, `segments: ${log.segmentCount()}`);
  t.deepEqual(plain(log.entries(1, 301)), plain(entries(1, 300, 1)));
  log.append([entry(50, 3)]);
  t.is(log.lastIndex(), 50);
  t.is(log.segmentCount(), 1);
  log.append(entries(51, 200, 3));
  await log.close();
  const reopened = await LogStore.open(dir, small);
  t.deepEqual(plain(reopened.entries(1, 201)), plain([...entries(1, 49, 1), ...entries(50, 200, 3)]));
  await reopened.close();
});

test('compact drops whole segments at or below the index and keeps the boundary term', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 100, 1));
  log.append(entries(101, 300, 2));
  const before = log.segmentCount();
  log.compact(150);
  t.true(log.segmentCount() < before);
  const first = log.firstIndex();
  t.true(first > 1 && first <= 151, `first ${first}`);
  t.is(log.term(first - 1), first - 1 <= 100 ? 1 : 2);
  t.is(log.term(first - 2), undefined);
  t.deepEqual(plain(log.entries(first, 301)), plain([...entries(first, 100, 1), ...entries(Math.max(first, 101), 300, 2)].filter((e) => e.index >= first)));
  log.compact(10_000); // never removes the tail segment
  t.is(log.lastIndex(), 300);
  t.true(log.segmentCount() >= 1);
  await log.close();
  const reopened = await LogStore.open(dir, small);
  t.is(reopened.lastIndex(), 300);
  t.is(reopened.term(reopened.firstIndex() - 1), 2);
  await reopened.close();
});

test('reset restarts the log after a snapshot index; the boundary term survives reopen', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 120, 1));
  log.reset(500, 4);
  t.is(log.firstIndex(), 501);
  t.is(log.lastIndex(), 500);
  t.is(log.term(500), 4);
  log.append(entries(501, 502, 5));
  await log.close();
  const reopened = await LogStore.open(dir, small);
  t.is(reopened.firstIndex(), 501);
  t.is(reopened.term(500), 4);
  t.deepEqual(plain(reopened.entries(501, 503)), plain(entries(501, 502, 5)));
  await reopened.close();
});

test('entries() stops at maxBytes of data but always returns at least one entry', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 200, 1, 24));
  t.is(log.entries(1, 201, 100).length, 4);
  t.is(log.entries(1, 201, 1).length, 1);
  t.is(log.entries(1, 201, 0).length, 1);
  t.is(log.entries(70, 201, 24 * 30).length, 30); // crosses a segment boundary
  t.is(log.entries(5, 5).length, 0);
  await log.close();
});

test('an entry over entryBytesMax is refused with payload_too_large and nothing is written', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 3, 1));
  const error = t.throws(() => log.append([entry(4, 1), entry(5, 1, 2000)]));
  t.true(isTaxiwayError(error) && error.code === 'payload_too_large');
  t.is(log.lastIndex(), 3);
  await log.close();
});

test('appends that skip an index or go below firstIndex are caller bugs (assertions)', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 3, 1));
  t.throws(() => log.append([entry(5, 1)]), { name: 'AssertionError' });
  t.throws(() => log.append([entry(4, 2), entry(5, 1)]), { name: 'AssertionError' });
  t.is(log.lastIndex(), 3);
  await log.close();
});

test('the next segment is prepared in the background and adopted at the roll; close removes an unused spare', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 50, 1)); // past half of the first segment: a spare is started (asynchronously)
  await log.prepareNextSegment(); // waits for that same spare
  const spareBytes = statSync(join(dir, 'spare.wal.tmp')).size;
  t.is(spareBytes, 4096);
  log.append(entries(51, 100, 1)); // rolls into the adopted spare
  t.is(log.segmentCount(), 2);
  t.false(existsSync(join(dir, 'spare.wal.tmp')));
  t.deepEqual(plain(log.entries(1, 101)), plain(entries(1, 100, 1)));
  log.append(entries(101, 130, 1)); // second segment half full: another spare
  await log.close();
  t.false(existsSync(join(dir, 'spare.wal.tmp')));
  const reopened = await LogStore.open(dir, small);
  t.deepEqual(plain(reopened.entries(1, 131)), plain(entries(1, 130, 1)));
  await reopened.close();
});
