// Raft log (src/raft/wal) benchmark. Run: npm run bench:wal
//
// Measures, on real files in a temp dir removed at the end:
//   1. durable single appends: one 200-byte entry per append(), each returning after its fdatasync
//      — appends/s and the p50/p99 latency of one append;
//   2. batched appends: 64 entries per append() (one fdatasync) — entries/s;
//   3. the append that rolls to a new segment (adopting the spare prepared in the background), and
//      reopening (recovery scan);
//   4. the bare loop of the library measurements, rerun now, so the ratio holds on a busy machine.
// Loops are bounded by time (BENCH_SECONDS, default 3) and count. The figures are printed beside
// the library measurements' raw fs loop on this box (shared/reference/library-measurements.md §2):
// 10.5–11.7k single appends/s, p50 0.08–0.10 ms / p99 0.13–0.15 ms, and 474–527k entries/s in
// batches of 64, so the cost of LogStore over a bare pwrite + fdatasync loop is visible.

import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';
import { LogStore } from '../src/raft/wal/log-store.js';
import type { Entry } from '../src/raft/wal/types.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const entryBytes = 200;
const pool = Buffer.alloc(1 << 20);
for (let k = 0; k < pool.length; k++) pool[k] = (k * 2654435761) >>> 24;

function entryAt(index: number): Entry {
  const from = (index * 4099) % (pool.length - entryBytes);
  return { index, term: 1, type: 'normal', data: pool.subarray(from, from + entryBytes) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

/** Yields to the event loop as the Raft driver does between Ready batches (lets the spare segment fill in the background). */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function measure(label: string, batch: number, log: LogStore, maxAppends: number): Promise<{ perSec: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end && latencies.length < maxAppends) {
    const first = log.lastIndex() + 1;
    const entries = Array.from({ length: batch }, (_, k) => entryAt(first + k));
    const before = performance.now();
    log.append(entries);
    latencies.push(performance.now() - before);
    await yieldToLoop();
  }
  const elapsedSec = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const result = { perSec: (latencies.length * batch) / elapsedSec, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  console.log(`${label}: ${latencies.length} appends in ${elapsedSec.toFixed(2)} s → ${Math.round(result.perSec)} entries/s, append p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms`);
  return result;
}

/**
 * The library measurements' loop, rerun here so LogStore is compared under the same load: a bare
 * preallocated 64 MiB file, [u32 len][u32 crc32][data] records, pwrite + fdatasync per append.
 */
function bareLoop(dir: string, batch: number): number {
  const fd = openSync(join(dir, 'bare.wal'), 'w+');
  try {
    const zeros = Buffer.alloc(1 << 20);
    for (let k = 0; k < 64; k++) writeSync(fd, zeros, 0, zeros.length, k << 20);
    fsyncSync(fd);
    let position = 0;
    let index = 0;
    let appends = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end && position + batch * 208 < 60 << 20) {
      const records = Array.from({ length: batch }, () => {
        const { data } = entryAt(index++);
        const record = Buffer.allocUnsafe(8 + data.length);
        record.writeUInt32BE(data.length, 0);
        record.writeUInt32BE(crc32(data), 4);
        record.set(data, 8);
        return record;
      });
      const bytes = Buffer.concat(records);
      writeSync(fd, bytes, 0, bytes.length, position);
      position += bytes.length;
      fdatasyncSync(fd);
      appends++;
    }
    return (appends * batch) / ((performance.now() - start) / 1000);
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'taxiway-bench-wal-'));
  try {
    const log = await LogStore.open(dir);
    console.log(`LogStore, 64 MiB preallocated segments, ${entryBytes}-byte entries, ${seconds} s per loop, dir ${dir}`);
    const single = await measure('durable single appends', 1, log, 200_000);
    // Stay inside the first segment for the batch loop too: ≈60 MiB / (64 × 225 B) batches.
    const batched = await measure('batches of 64        ', 64, log, Math.floor((60 << 20) / (64 * 225)) - Math.ceil((single.perSec * seconds) / 64));
    // Fill up to the roll in 1024-entry appends; the append that rolls adopts the spare segment
    // prepared in the background (or zero-fills 64 MiB itself if the spare is not ready).
    const beforeSegments = log.segmentCount();
    const others: number[] = [];
    let rollMs = NaN;
    for (let k = 0; k < 10_000 && log.segmentCount() === beforeSegments; k++) {
      const before = performance.now();
      log.append(Array.from({ length: 1024 }, (_, j) => entryAt(log.lastIndex() + 1 + j)));
      const tookMs = performance.now() - before;
      if (log.segmentCount() === beforeSegments) others.push(tookMs);
      else rollMs = tookMs;
      await yieldToLoop();
    }
    others.sort((a, b) => a - b);
    console.log(`append of 1024 entries that rolls to a new segment: ${rollMs.toFixed(2)} ms (other 1024-entry appends p50 ${percentile(others, 0.5).toFixed(2)} ms)`);
    const last = log.lastIndex();
    await log.close();
    const openStart = performance.now();
    const reopened = await LogStore.open(dir);
    console.log(`reopen (recovery scan of ${last} entries in ${reopened.segmentCount()} segments): ${(performance.now() - openStart).toFixed(1)} ms`);
    await reopened.close();
    const bareSingle = bareLoop(dir, 1);
    const bareBatched = bareLoop(dir, 64);
    console.log(`bare loop now (same machine, same moment): single ${Math.round(bareSingle)}/s, batch 64 ${Math.round(bareBatched)} entries/s`);
    console.log(`  LogStore / bare: single ${(single.perSec / bareSingle).toFixed(2)}, batch 64 ${(batched.perSec / bareBatched).toFixed(2)}`);
    console.log('');
    console.log('compared with library-measurements.md §2 (bare preallocated pwrite + fdatasync loop on this box, quiet machine):');
    console.log(`  single: ${Math.round(single.perSec)}/s vs 10,500–11,700/s (ratio ${(single.perSec / 11_100).toFixed(2)} of the midpoint); p50 ${single.p50.toFixed(3)} vs 0.08–0.10 ms; p99 ${single.p99.toFixed(3)} vs 0.13–0.15 ms`);
    console.log(`  batch 64: ${Math.round(batched.perSec)} entries/s vs 474,000–527,000/s (ratio ${(batched.perSec / 500_000).toFixed(2)} of the midpoint)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
