// Record framing shared by the segment files, the stable store and snapshots:
//
//   [u32 BE payload length][u32 BE crc32 of (length field ‖ payload)][payload]
//
// The length is inside the checksum so a torn or flipped length cannot point the scanner at a
// plausible-looking but wrong payload. A zero length with a zero checksum is never written (every
// payload is non-empty), so a run of zeros — the preallocated tail of a segment — reads as
// "end of log" rather than as a record.

import { crc32 } from 'node:zlib';

export const recordHeaderBytes = 8;

/** Writes a record for `payload` into `target` at `offsetBytes`; returns the bytes written. */
export function writeRecord(target: Buffer, offsetBytes: number, payload: Uint8Array): number {
  target.writeUInt32BE(payload.length, offsetBytes);
  const lengthField = target.subarray(offsetBytes, offsetBytes + 4);
  target.writeUInt32BE(crc32(payload, crc32(lengthField)), offsetBytes + 4);
  target.set(payload, offsetBytes + recordHeaderBytes);
  return recordHeaderBytes + payload.length;
}

/** What the bytes at one position hold. */
export type RecordRead =
  | { readonly type: 'record'; readonly payload: Buffer; readonly totalBytes: number }
  /** Eight zero bytes: the unwritten (preallocated) rest of a file. */
  | { readonly type: 'end' }
  /** Too few bytes for the header or the payload the header announces. */
  | { readonly type: 'short' }
  | { readonly type: 'bad'; readonly reason: string };

/**
 * Reads the record at the start of `bytes` (which may extend past it). Never throws: the caller
 * decides whether a bad record is a torn tail or corruption. `payloadBytesMax` rejects lengths no
 * writer would produce before they are used to slice.
 */
export function readRecord(bytes: Buffer, payloadBytesMax: number): RecordRead {
  if (bytes.length < recordHeaderBytes) return { type: 'short' };
  const length = bytes.readUInt32BE(0);
  const checksum = bytes.readUInt32BE(4);
  if (length === 0 && checksum === 0) return { type: 'end' };
  if (length === 0 || length > payloadBytesMax) return { type: 'bad', reason: `implausible record length ${length}` };
  if (bytes.length < recordHeaderBytes + length) return { type: 'short' };
  const payload = bytes.subarray(recordHeaderBytes, recordHeaderBytes + length);
  if (crc32(payload, crc32(bytes.subarray(0, 4))) !== checksum) return { type: 'bad', reason: 'checksum mismatch' };
  return { type: 'record', payload, totalBytes: recordHeaderBytes + length };
}

/** Writes a safe integer (< 2^53) as a big-endian u64. */
export function writeUint64(target: Buffer, offsetBytes: number, value: number): void {
  target.writeUInt32BE(Math.floor(value / 2 ** 32), offsetBytes);
  target.writeUInt32BE(value >>> 0, offsetBytes + 4);
}

/** Reads a big-endian u64 written by writeUint64; values ≥ 2^53 come back inexact, so callers validate. */
export function readUint64(source: Buffer, offsetBytes: number): number {
  return source.readUInt32BE(offsetBytes) * 2 ** 32 + source.readUInt32BE(offsetBytes + 4);
}
