// Goal: recovery drops exactly a torn tail of the newest segment — a file cut mid-record, a flipped
// byte in the last record, garbage after the last record — and keeps every entry before it; the
// log is writable again afterwards and the repaired tail cannot resurrect. Damage in an older
// segment (or a broken chain of segments) refuses to open with WalCorruptionError.
// Method: write a known log with small segments, close, damage the files with node:fs exactly as
// each case says, reopen and compare with the expected prefix.

import { appendFileSync, closeSync, openSync, readFileSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { LogStore, segmentPaths } from '../../../src/raft/wal/log-store.js';
import { WalCorruptionError } from '../../../src/raft/wal/types.js';
import { entries, plain, tempDir } from './helpers.js';

const small = { segmentBytes: 4096, entryBytesMax: 1024 };
const recordBytes = 8 + 17 + 24;
const headerBytes = 32;

/** A log of `count` entries in one segment; returns its dir and segment path. */
async function writtenLog(dir: string, count: number): Promise<string> {
  const log = await LogStore.open(dir, small);
  log.append(entries(1, count, 1));
  await log.close();
  const [path] = segmentPaths(dir);
  if (path === undefined) throw new Error('no segment');
  return path;
}

function patch(path: string, offsetBytes: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, offsetBytes);
  closeSync(fd);
}

async function expectPrefix(t: import('ava').ExecutionContext, dir: string, last: number): Promise<void> {
  const log = await LogStore.open(dir, small);
  t.is(log.lastIndex(), last);
  t.deepEqual(plain(log.entries(1, last + 1)), plain(entries(1, last, 1)));
  // Writable again, and the repaired region stays repaired across another reopen.
  log.append(entries(last + 1, last + 2, 2));
  await log.close();
  const again = await LogStore.open(dir, small);
  t.is(again.lastIndex(), last + 2);
  t.is(again.term(last + 2), 2);
  await again.close();
}

test('a file cut in the middle of the last record loses that record only', async (t) => {
  const dir = tempDir(t);
  const path = await writtenLog(dir, 10);
  truncateSync(path, headerBytes + 9 * recordBytes + 20);
  await expectPrefix(t, dir, 9);
});

test('a file cut in the middle of a record header loses that record only', async (t) => {
  const dir = tempDir(t);
  const path = await writtenLog(dir, 10);
  truncateSync(path, headerBytes + 9 * recordBytes + 3);
  await expectPrefix(t, dir, 9);
});

test('a flipped byte in the last record drops it; a flip in the middle drops from there on', async (t) => {
  const dir = tempDir(t);
  const path = await writtenLog(dir, 10);
  const original = readFileSync(path);
  const at = headerBytes + 9 * recordBytes + 30;
  patch(path, at, Uint8Array.of((original[at] ?? 0) ^ 0x01));
  await expectPrefix(t, dir, 9);

  const dir2 = tempDir(t);
  const path2 = await writtenLog(dir2, 10);
  patch(path2, headerBytes + 4 * recordBytes + 12, Uint8Array.of(0xff));
  await expectPrefix(t, dir2, 4);
});

test('garbage after the last record, in the zeroed area or past the end of the file, is dropped', async (t) => {
  const dir = tempDir(t);
  const path = await writtenLog(dir, 10);
  patch(path, headerBytes + 10 * recordBytes, Buffer.from('this is not a record, just noise'));
  await expectPrefix(t, dir, 10);

  const dir2 = tempDir(t);
  const path2 = await writtenLog(dir2, 10);
  truncateSync(path2, headerBytes + 10 * recordBytes);
  appendFileSync(path2, Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 9, 9, 9]));
  await expectPrefix(t, dir2, 10);
});

test('a record whose checksum is right but whose index does not follow is treated as torn', async (t) => {
  const dir = tempDir(t);
  const path = await writtenLog(dir, 10);
  // Copy record 3 over the zeroed area after record 10: a valid record with index 3 at position 11.
  const bytes = readFileSync(path);
  const record3 = bytes.subarray(headerBytes + 2 * recordBytes, headerBytes + 3 * recordBytes);
  patch(path, headerBytes + 10 * recordBytes, record3);
  await expectPrefix(t, dir, 10);
});

test('a bad record in an older segment refuses to open', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 300, 1));
  await log.close();
  const paths = segmentPaths(dir);
  t.true(paths.length >= 3);
  const middle = paths[1];
  if (middle === undefined) return;
  patch(middle, headerBytes + 5 * recordBytes + 20, Uint8Array.of(0xee, 0xee));
  const error = await t.throwsAsync(LogStore.open(dir, small), { instanceOf: WalCorruptionError });
  t.is(error?.file, middle);
  t.is(error?.code, 'internal');
});

test('a missing middle segment (broken chain) refuses to open', async (t) => {
  const dir = tempDir(t);
  const log = await LogStore.open(dir, small);
  log.append(entries(1, 300, 1));
  await log.close();
  const middle = segmentPaths(dir)[1];
  if (middle === undefined) return t.fail();
  unlinkSync(middle);
  await t.throwsAsync(LogStore.open(dir, small), { instanceOf: WalCorruptionError, message: /previous segment ends/ });
});

test('a damaged segment header refuses to open; a leftover temp segment is removed', async (t) => {
  const dir = tempDir(t);
  const path = await writtenLog(dir, 5);
  writeFileSync(join(dir, '0000000000000002.wal.tmp'), Buffer.alloc(100));
  const log = await LogStore.open(dir, small);
  t.is(segmentPaths(dir).length, 1);
  await log.close();
  patch(path, 9, Uint8Array.of(0x55));
  await t.throwsAsync(LogStore.open(dir, small), { instanceOf: WalCorruptionError, message: /header/ });
});
