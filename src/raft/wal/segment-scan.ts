// Recovery's reading of one segment: walk the records from the header on, check each checksum and
// that indexes follow each other, and report where the valid part ends and why. Reads through a
// 1 MiB window so a 64 MiB segment is never held in memory at once.

import { fstatSync, readSync } from 'node:fs';
import { unreachable } from '../../lib/assert.js';
import { peekEntryPayload } from './entry-codec.js';
import { readRecord } from './record.js';

const windowBytes = 1024 * 1024;
const headerBytes = 32;

/** How the records of a segment end. */
export type ScanOutcome =
  /** Zeros (or the end of the file exactly) after the last record: a clean end. */
  | { readonly type: 'clean' }
  /** Something that is not a valid next record at `offsetBytes`: a torn write in the newest segment, corruption elsewhere. */
  | { readonly type: 'invalid'; readonly offsetBytes: number; readonly reason: string };

/**
 * Calls `onRecord(term, offsetBytes, totalBytes)` for each valid record in order, starting at
 * index `baseIndex`, and returns how the valid run ends.
 */
export function scanSegmentRecords(fd: number, baseIndex: number, payloadBytesMax: number, onRecord: (term: number, offsetBytes: number, totalBytes: number) => void): ScanOutcome {
  const fileBytes = fstatSync(fd).size;
  let window = Buffer.alloc(0);
  let windowStart = 0;
  const bytesAt = (position: number, wanted: number): Buffer => {
    const have = windowStart + window.length - position;
    if (position < windowStart || have < wanted) {
      const length = Math.min(Math.max(windowBytes, wanted), fileBytes - position);
      window = Buffer.allocUnsafe(Math.max(0, length));
      let done = 0;
      while (done < window.length) {
        const got = readSync(fd, window, done, window.length - done, position + done);
        if (got === 0) break;
        done += got;
      }
      window = window.subarray(0, done);
      windowStart = position;
    }
    return window.subarray(position - windowStart);
  };
  let position = headerBytes;
  let expectedIndex = baseIndex;
  let lastTerm = 0;
  for (;;) {
    if (position === fileBytes) return { type: 'clean' };
    const head = bytesAt(position, 8);
    // A full segment can end with fewer than 8 zero bytes: too few for a header, still a clean end.
    if (head.length < 8 && head.every((byte) => byte === 0)) return { type: 'clean' };
    const announcedBytes = head.length >= 8 ? head.readUInt32BE(0) : 0;
    const settled = readRecord(bytesAt(position, 8 + Math.min(announcedBytes, payloadBytesMax)), payloadBytesMax);
    switch (settled.type) {
      case 'end':
        return { type: 'clean' };
      case 'short':
        return { type: 'invalid', offsetBytes: position, reason: 'record cut short by the end of the file' };
      case 'bad':
        return { type: 'invalid', offsetBytes: position, reason: settled.reason };
      case 'record': {
        const entry = peekEntryPayload(settled.payload);
        if (entry === undefined || !entry.typeValid) return { type: 'invalid', offsetBytes: position, reason: 'malformed entry payload' };
        if (entry.index !== expectedIndex) return { type: 'invalid', offsetBytes: position, reason: `entry index ${entry.index} where ${expectedIndex} was expected` };
        if (entry.term < lastTerm) return { type: 'invalid', offsetBytes: position, reason: `entry term ${entry.term} below the previous ${lastTerm}` };
        onRecord(entry.term, position, settled.totalBytes);
        lastTerm = entry.term;
        expectedIndex++;
        position += settled.totalBytes;
        break;
      }
      default:
        unreachable(settled);
    }
  }
}
