// State snapshots: the whole state store as bytes, and back. The Raft FSM uses these as its
// snapshot() and restore(); the operator's /v1/snapshot wraps them in a file (src/snapshot/).
//
// Encoding: a sequence of frames, each a 4-byte big-endian length and one msgpack value
// (msgpack.ts, the codec of the log, so rows replay exactly as commands do):
//   1. header  { Format: 1, LastIndex, IndexOffset, KeyIndexes: [[key, index], ...] }
//   2. rows    { Table: name, Rows: [row, ...] }, at most limits.snapshotRowsPerFrame rows each,
//              tables in the store's declared order (store.tables), rows in primary-key order
//   3. end     { End: { [table]: rowCount } }, which catches a truncated or spliced stream
// Equal states give equal bytes (keys and rows are sorted), so two servers can compare snapshots.
//
// Decoding validates before anything changes: a known format, known tables, rows that are objects
// with distinct primary keys, counts that match the end frame. Only then does restore swap the
// state in one synchronous step (store.replaceState), so a bad snapshot leaves the state as it was.

import { badRequest, type TaxiwayError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import { pack, unpack } from './msgpack.js';
import type { StateStore, StoreIndexes } from './store.js';

/** The format number written in the header; a reader refuses any other. */
export const stateSnapshotFormat = 1;

/** One table of a snapshot as `inspect` shows it. */
export interface TableSummary {
  readonly table: string;
  readonly rows: number;
  /** Encoded bytes of this table's frames. */
  readonly bytes: number;
}

export interface DecodedStateSnapshot {
  readonly rows: ReadonlyMap<string, readonly unknown[]>;
  readonly indexes: StoreIndexes;
  readonly summary: readonly TableSummary[];
  /** Encoded bytes of the header (the watch-key indexes, mostly). */
  readonly headerBytes: number;
}

/** The whole state of `store` as bytes (deterministic: equal states give equal bytes). */
export function encodeStateSnapshot(store: StateStore): Uint8Array {
  const frames: Uint8Array[] = [];
  const indexes = store.indexes();
  frames.push(frame({ Format: stateSnapshotFormat, LastIndex: indexes.lastIndex, IndexOffset: indexes.indexOffset, KeyIndexes: indexes.keyIndexes }));
  const counts: Record<string, number> = {};
  for (const table of store.tables) {
    const rows = table.rows();
    counts[table.name] = rows.length;
    for (let start = 0; start < rows.length; start += limits.snapshotRowsPerFrame) {
      frames.push(frame({ Table: table.name, Rows: rows.slice(start, start + limits.snapshotRowsPerFrame) }));
    }
  }
  frames.push(frame({ End: counts }));
  return concat(frames);
}

/** Replaces the whole state of `store` with a snapshot's; throws bad_request (changing nothing) when the bytes are not one. */
export function restoreStateSnapshot(store: StateStore, bytes: Uint8Array): void {
  const decoded = decodeStateSnapshot(store, bytes);
  store.replaceState(decoded.rows, decoded.indexes);
}

/** Decodes and validates a snapshot against the tables of `store` without changing it. */
export function decodeStateSnapshot(store: Pick<StateStore, 'tables'>, bytes: Uint8Array): DecodedStateSnapshot {
  const tables = new Map(store.tables.map((table) => [table.name, table]));
  const frames = readFrames(bytes);
  const header = frames.shift();
  const indexes = decodeHeader(header?.value);
  const rows = new Map<string, unknown[]>();
  const keys = new Map<string, Set<string>>();
  const sizes = new Map<string, number>();
  let end: unknown;
  for (const { value, bytes: size } of frames) {
    if (end !== undefined) throw malformed('frames after the end frame');
    if (isRecord(value) && 'End' in value) {
      end = value['End'];
      continue;
    }
    if (!isRecord(value) || typeof value['Table'] !== 'string' || !Array.isArray(value['Rows'])) throw malformed('a frame is neither rows nor the end');
    const name = value['Table'];
    const table = tables.get(name);
    if (table === undefined) throw malformed(`unknown table ${JSON.stringify(name)}`);
    const tableRows = rows.get(name) ?? [];
    const tableKeys = keys.get(name) ?? new Set<string>();
    for (const row of value['Rows'] as unknown[]) {
      const key = primaryKeyOf(table, row);
      if (tableKeys.has(key)) throw malformed(`table ${name} holds two rows with key ${JSON.stringify(key)}`);
      tableKeys.add(key);
      tableRows.push(deepFreeze(row));
    }
    rows.set(name, tableRows);
    keys.set(name, tableKeys);
    sizes.set(name, (sizes.get(name) ?? 0) + size);
  }
  checkEnd(end, rows);
  const summary = [...tables.keys()].map((table) => ({ table, rows: rows.get(table)?.length ?? 0, bytes: sizes.get(table) ?? 0 }));
  return { rows, indexes, summary, headerBytes: header?.bytes ?? 0 };
}

function frame(value: unknown): Uint8Array {
  const body = pack(value);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function readFrames(bytes: Uint8Array): { value: unknown; bytes: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: { value: unknown; bytes: number }[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw malformed('truncated frame length');
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) throw malformed('truncated frame');
    try {
      frames.push({ value: unpack(bytes.subarray(at + 4, at + 4 + length)), bytes: 4 + length });
    } catch (error) {
      throw malformed(`undecodable frame at byte ${at}: ${error instanceof Error ? error.message : 'unknown error'}`);
    }
    at += 4 + length;
  }
  return frames;
}

function decodeHeader(value: unknown): StoreIndexes {
  if (!isRecord(value)) throw malformed('no header');
  if (value['Format'] !== stateSnapshotFormat) throw malformed(`format ${JSON.stringify(value['Format'])}, this server reads format ${stateSnapshotFormat}`);
  const lastIndex = value['LastIndex'];
  const indexOffset = value['IndexOffset'];
  const keyIndexes = value['KeyIndexes'];
  if (!isIndex(lastIndex) || !isIndex(indexOffset) || !Array.isArray(keyIndexes)) throw malformed('bad header fields');
  for (const pair of keyIndexes as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !isIndex(pair[1])) throw malformed('bad key index');
  }
  return { lastIndex, indexOffset, keyIndexes: keyIndexes as [string, number][] };
}

function checkEnd(end: unknown, rows: ReadonlyMap<string, readonly unknown[]>): void {
  if (!isRecord(end)) throw malformed('no end frame (truncated)');
  for (const [name, count] of Object.entries(end)) {
    if ((rows.get(name)?.length ?? 0) !== count) throw malformed(`table ${name} holds ${rows.get(name)?.length ?? 0} rows, the end frame says ${String(count)}`);
  }
  for (const name of rows.keys()) if (!(name in end)) throw malformed(`table ${name} is missing from the end frame`);
}

function primaryKeyOf(table: StateStore['tables'][number], row: unknown): string {
  if (!isRecord(row)) throw malformed(`table ${table.name} holds a row that is not an object`);
  try {
    const key = table.primaryKey(row);
    if (typeof key === 'string') return key;
  } catch {
    // fall through: a row without the fields its key is made of
  }
  throw malformed(`table ${table.name} holds a row without a primary key`);
}

/** Rows are immutable by contract (table.ts); restored ones are frozen all the way down. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const item of Object.values(value)) deepFreeze(item);
  return Object.freeze(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function malformed(why: string): TaxiwayError {
  return badRequest(`snapshot state is malformed: ${why}`);
}
