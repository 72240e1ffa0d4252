// SnapshotStore: FSM snapshots as whole files, newest N kept. A snapshot is written to a temp file,
// fsynced, renamed and the directory fsynced, so a crash leaves either the complete file or none;
// a CRC over the whole file catches later damage, and latest() then falls back to an older one.
//
//   snap-<index hex16>-<term hex16>.snap:
//   [u32 magic 'TSNP'][u32 version][u32 meta length][meta: msgpack][data …][u64 data length][u32 crc32 of all before]

import { createReadStream, readdirSync, statSync, unlinkSync } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { assert } from '../../lib/assert.js';
import { limits } from '../../lib/limits.js';
import { ensureDirectory, fsyncDirectory, removeIfPresent } from './durable-fs.js';
import { readUint64, writeUint64 } from './record.js';
import type { SnapshotMeta } from './types.js';

const magic = 0x54534e50;
const formatVersion = 1;
const trailerBytes = 12;
const packr = new Packr({ useRecords: false });

/** A snapshot found valid by latest(). Its data is read on demand. */
export interface SnapshotHandle {
  readonly meta: SnapshotMeta;
  readonly dataBytes: number;
  /** The data as one buffer (the caller owns it). */
  read(): Promise<Buffer>;
  /** The data as a stream, for sending to a follower without holding it in memory. */
  stream(): Readable;
}

function fileName(meta: SnapshotMeta): string {
  return `snap-${meta.index.toString(16).padStart(16, '0')}-${meta.term.toString(16).padStart(16, '0')}.snap`;
}

function encodePrefix(meta: SnapshotMeta): Buffer {
  const metaBytes = packr.pack({ index: meta.index, term: meta.term, voters: meta.config.voters, learners: meta.config.learners });
  const prefix = Buffer.alloc(12 + metaBytes.length);
  prefix.writeUInt32BE(magic, 0);
  prefix.writeUInt32BE(formatVersion, 4);
  prefix.writeUInt32BE(metaBytes.length, 8);
  metaBytes.copy(prefix, 12);
  return prefix;
}

export class SnapshotStore {
  private saving = false;

  /** `retained` snapshots are kept; older ones are deleted after each save. */
  private constructor(
    private readonly dir: string,
    private readonly retained: number,
  ) {}

  /** Opens (creating if absent) `dir` and removes temp files of saves a crash interrupted. Caller: the driver at start. */
  static open(dir: string, retained: number = limits.walSnapshotsRetained): Promise<SnapshotStore> {
    return new Promise((resolve) => {
      assert(retained >= 1, 'keep at least one snapshot');
      ensureDirectory(dir);
      for (const name of readdirSync(dir)) if (name.endsWith('.tmp')) removeIfPresent(join(dir, name));
      resolve(new SnapshotStore(dir, retained));
    });
  }

  /**
   * Writes a snapshot durably and returns once it is on disk; then prunes to the newest
   * `retained`. `data` is bytes or a stream of chunks. Caller: the driver (after the FSM produced
   * a snapshot, or when a leader sends one); one save at a time.
   */
  async save(meta: SnapshotMeta, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    assert(!this.saving, 'one snapshot save at a time');
    this.saving = true;
    const tempPath = join(this.dir, `${fileName(meta)}.tmp`);
    try {
      const handle = await open(tempPath, 'w');
      try {
        await writeSnapshotFile(handle, meta, data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, join(this.dir, fileName(meta)));
      fsyncDirectory(this.dir);
      this.prune();
    } catch (error) {
      removeIfPresent(tempPath);
      throw error;
    } finally {
      this.saving = false;
    }
  }

  /** The newest snapshot whose checksum verifies, or undefined. Damaged files are skipped (and kept for inspection). */
  async latest(): Promise<SnapshotHandle | undefined> {
    for (const name of this.names()) {
      const handle = await verifySnapshot(join(this.dir, name));
      if (handle !== undefined) return handle;
    }
    return undefined;
  }

  /** File names of the snapshots, newest (highest index, then term) first. */
  names(): string[] {
    return readdirSync(this.dir)
      .filter((name) => /^snap-[0-9a-f]{16}-[0-9a-f]{16}\.snap$/.test(name))
      .sort()
      .reverse();
  }

  private prune(): void {
    const stale = this.names().slice(this.retained);
    for (const name of stale) unlinkSync(join(this.dir, name));
    if (stale.length > 0) fsyncDirectory(this.dir);
  }
}

async function writeSnapshotFile(handle: FileHandle, meta: SnapshotMeta, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  const prefix = encodePrefix(meta);
  let checksum = crc32(prefix);
  let position = 0;
  const put = async (bytes: Uint8Array): Promise<void> => {
    let done = 0;
    while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
    position += bytes.length;
  };
  await put(prefix);
  let dataBytes = 0;
  for await (const chunk of data instanceof Uint8Array ? [data] : data) {
    checksum = crc32(chunk, checksum);
    dataBytes += chunk.length;
    await put(chunk);
  }
  const trailer = Buffer.alloc(trailerBytes);
  writeUint64(trailer, 0, dataBytes);
  trailer.writeUInt32BE(crc32(trailer.subarray(0, 8), checksum), 8);
  await put(trailer);
}

function decodeMeta(bytes: Buffer): SnapshotMeta | undefined {
  const value: unknown = packr.unpack(bytes);
  if (typeof value !== 'object' || value === null) return undefined;
  const { index, term, voters, learners } = value as Record<string, unknown>;
  const isIds = (ids: unknown): ids is number[] => Array.isArray(ids) && ids.every((id) => Number.isSafeInteger(id));
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term) || !isIds(voters) || !isIds(learners)) return undefined;
  return { index: index as number, term: term as number, config: { voters, learners } };
}

/** Reads the whole file once to check its CRC; returns a handle if it is intact. */
async function verifySnapshot(path: string): Promise<SnapshotHandle | undefined> {
  const fileBytes = statSync(path).size;
  if (fileBytes < 12 + trailerBytes) return undefined;
  let checksum = 0;
  let seen = 0;
  let head = Buffer.alloc(0);
  const tail = Buffer.alloc(trailerBytes);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    const checked = chunk.subarray(0, Math.max(0, Math.min(chunk.length, fileBytes - trailerBytes - seen)));
    checksum = crc32(checked, checksum);
    if (head.length < 64 * 1024) head = Buffer.concat([head, chunk]);
    for (let k = checked.length; k < chunk.length; k++) tail[seen + k - (fileBytes - trailerBytes)] = chunk[k] ?? 0;
    seen += chunk.length;
  }
  if (seen !== fileBytes || head.readUInt32BE(0) !== magic || head.readUInt32BE(4) !== formatVersion) return undefined;
  if (crc32(tail.subarray(0, 8), checksum) !== tail.readUInt32BE(8)) return undefined;
  const metaBytes = head.readUInt32BE(8);
  const dataStart = 12 + metaBytes;
  const dataBytes = readUint64(tail, 0);
  if (dataStart + dataBytes + trailerBytes !== fileBytes || head.length < dataStart) return undefined;
  const meta = decodeMeta(head.subarray(12, dataStart));
  if (meta === undefined) return undefined;
  const stream = (): Readable => (dataBytes === 0 ? Readable.from([]) : createReadStream(path, { start: dataStart, end: dataStart + dataBytes - 1 }));
  return {
    meta,
    dataBytes,
    stream,
    read: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream() as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
  };
}
