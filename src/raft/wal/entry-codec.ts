// The payload of one log record: [u64 index][u64 term][u8 type][data]. The index is stored although
// a segment's position implies it, so recovery can check that the records chain (a stale record
// left behind by a bug would carry the wrong index) — the "check before writing and after reading"
// pairing of the style guide.

import { assert } from '../../lib/assert.js';
import { readUint64, writeUint64 } from './record.js';
import type { Entry } from './types.js';

export const entryPayloadHeaderBytes = 17;

const typeCodes = { normal: 0, config: 1 } as const satisfies Record<Entry['type'], number>;

/** Bytes of the payload for an entry with `dataBytes` of data. */
export function entryPayloadBytes(dataBytes: number): number {
  return entryPayloadHeaderBytes + dataBytes;
}

/** Encodes `entry` into `target` at `offsetBytes` (the caller sized it with entryPayloadBytes). */
export function encodeEntryPayload(entry: Entry, target: Buffer, offsetBytes: number): void {
  assert(Number.isSafeInteger(entry.index) && entry.index >= 1, `bad entry index ${entry.index}`);
  assert(Number.isSafeInteger(entry.term) && entry.term >= 0, `bad entry term ${entry.term}`);
  writeUint64(target, offsetBytes, entry.index);
  writeUint64(target, offsetBytes + 8, entry.term);
  target[offsetBytes + 16] = typeCodes[entry.type];
  target.set(entry.data, offsetBytes + entryPayloadHeaderBytes);
}

/** The index and term of a payload, without copying its data (recovery needs only these). */
export function peekEntryPayload(payload: Buffer): { index: number; term: number; typeValid: boolean } | undefined {
  if (payload.length < entryPayloadHeaderBytes) return undefined;
  const type = payload[16];
  return { index: readUint64(payload, 0), term: readUint64(payload, 8), typeValid: type === 0 || type === 1 };
}

/** Decodes a payload that recovery already validated. `data` is a view of `payload`. */
export function decodeEntryPayload(payload: Buffer): Entry {
  const peeked = peekEntryPayload(payload);
  assert(peeked !== undefined && peeked.typeValid, 'entry payload was validated at recovery');
  return {
    index: peeked.index,
    term: peeked.term,
    type: payload[16] === typeCodes.config ? 'config' : 'normal',
    data: payload.subarray(entryPayloadHeaderBytes),
  };
}
