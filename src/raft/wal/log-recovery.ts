// LogStore.open's recovery: find the segments, drop what a crash can leave behind (temp files, a
// torn tail, segments made obsolete by a reset), and refuse to open on anything a crash cannot
// explain. Recovery rules:
//   1. `*.wal.tmp` files are segments whose creation did not finish: removed.
//   2. Segments older than the newest one flagged startsLog were superseded by reset(): removed.
//   3. In the newest segment, the first invalid record (bad checksum, cut short, wrong index) and
//      everything after it is a torn write: zeroed. Elsewhere it is corruption: WalCorruptionError.
//   4. Segments must chain: each baseIndex follows the previous last index, and its prevTerm is
//      that entry's term. A break is corruption.

import { closeSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectory, removeIfPresent } from './durable-fs.js';
import { decodeHeader, parseSegmentFileName, Segment, segmentHeaderBytes, type SegmentHeader } from './segment.js';
import { WalCorruptionError } from './types.js';

function readHeader(path: string, seq: number): SegmentHeader {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.alloc(segmentHeaderBytes);
    const got = readSync(fd, bytes, 0, segmentHeaderBytes, 0);
    const header = decodeHeader(bytes.subarray(0, got), seq);
    if (typeof header === 'string') throw new WalCorruptionError(path, 0, header);
    return header;
  } finally {
    closeSync(fd);
  }
}

/** Headers of the live segments, oldest first, after rules 1 and 2. */
function liveHeaders(dir: string): { path: string; header: SegmentHeader }[] {
  const found: { path: string; header: SegmentHeader }[] = [];
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.wal.tmp')) removeIfPresent(join(dir, name));
    const seq = parseSegmentFileName(name);
    if (seq !== undefined) found.push({ path: join(dir, name), header: readHeader(join(dir, name), seq) });
  }
  found.sort((a, b) => a.header.seq - b.header.seq);
  const start = found.findLastIndex((segment) => segment.header.startsLog);
  if (start > 0) {
    for (const obsolete of found.splice(0, start)) unlinkSync(obsolete.path);
    fsyncDirectory(dir);
  }
  return found;
}

function checkChain(previous: Segment, next: Segment): void {
  const expectedTerm = previous.termAt(previous.lastIndex);
  if (next.baseIndex !== previous.lastIndex + 1 || next.header.prevTerm !== expectedTerm) {
    throw new WalCorruptionError(next.path, 0, `segment starts at ${next.baseIndex} after term ${next.header.prevTerm}, but the previous segment ends at ${previous.lastIndex} with term ${expectedTerm}`);
  }
}

/** Opens and validates every live segment of `dir`, oldest first; empty if there are none. */
export function recoverSegments(dir: string, segmentBytes: number, payloadBytesMax: number): Segment[] {
  const segments: Segment[] = [];
  try {
    const headers = liveHeaders(dir);
    for (const [position, { path, header }] of headers.entries()) {
      const { segment, outcome } = Segment.open(path, header, segmentBytes, payloadBytesMax);
      segments.push(segment);
      const previous = segments.at(-2);
      if (previous !== undefined) checkChain(previous, segment);
      if (outcome.type === 'clean') continue;
      if (position < headers.length - 1) throw new WalCorruptionError(path, outcome.offsetBytes, outcome.reason);
      segment.zeroTail();
    }
    return segments;
  } catch (error) {
    for (const segment of segments) segment.close();
    throw error;
  }
}
