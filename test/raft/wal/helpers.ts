// Shared by the WAL tests: temp directories removed when the test ends (pass or fail), and entry
// builders with deterministic data.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { Entry } from '../../../src/raft/wal/types.js';

export function tempDir(t: ExecutionContext, prefix = 'taxiway-wal-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Data that encodes its own index and term, so a mixed-up read is visible in the bytes. */
export function entryData(index: number, term: number, bytes = 24): Uint8Array {
  const data = Buffer.alloc(bytes);
  for (let k = 0; k < bytes; k++) data[k] = (index * 31 + term * 7 + k) & 0xff;
  return data;
}

export function entry(index: number, term: number, bytes = 24): Entry {
  return { index, term, type: index % 5 === 0 ? 'config' : 'normal', data: entryData(index, term, bytes) };
}

/** Entries lo..hi inclusive, all in `term`. */
export function entries(lo: number, hi: number, term: number, bytes = 24): Entry[] {
  const out: Entry[] = [];
  for (let index = lo; index <= hi; index++) out.push(entry(index, term, bytes));
  return out;
}

/** Entries as plain comparable objects (data as Buffer → number array). */
export function plain(list: readonly Entry[]): { index: number; term: number; type: string; data: number[] }[] {
  return list.map((e) => ({ index: e.index, term: e.term, type: e.type, data: [...e.data] }));
}
