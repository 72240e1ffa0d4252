// StableStore: the Raft hard state (term, vote, commit) in an 8 KiB file of two slots written in
// turn. Each save overwrites the older slot with a CRC-framed record carrying a sequence number
// and fdatasyncs once; open takes the valid slot with the higher sequence. A save torn by a crash
// can only damage the slot being written, so the previous state survives in the other one. This
// costs one pwrite + fdatasync per save, not the three syncs of temp + rename + directory.
//
//   slot at 0 and at 4096 (separate pages, so one torn page never hits both):
//   [record header][u64 seq][u64 term][u64 vote][u64 commit]

import { closeSync, existsSync, fdatasyncSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from '../../lib/assert.js';
import { ensureDirectory, writeFileAtomically, writeFully } from './durable-fs.js';
import { readRecord, readUint64, recordHeaderBytes, writeRecord, writeUint64 } from './record.js';
import { type HardState, WalCorruptionError } from './types.js';

const fileName = 'hardstate';
const slotOffsets = [0, 4096] as const;
const payloadBytes = 32;
const fileBytes = 8192;

export class StableStore {
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly path: string,
    private current: HardState,
    /** Sequence number of the record holding `current` (0 before the first save). */
    private seq: number,
  ) {}

  /** Opens (creating if absent) the hard-state file in `dir`. Caller: the Raft driver at start. */
  static open(dir: string): Promise<StableStore> {
    return new Promise((resolve) => resolve(StableStore.openSync(dir)));
  }

  static openSync(dir: string): StableStore {
    ensureDirectory(dir);
    const path = join(dir, fileName);
    if (!existsSync(path)) writeFileAtomically(dir, fileName, Buffer.alloc(fileBytes));
    const fd = openSync(path, 'r+');
    try {
      const bytes = Buffer.alloc(fileBytes);
      readSync(fd, bytes, 0, fileBytes, 0);
      const best = bestSlot(bytes, path);
      return new StableStore(fd, path, best?.state ?? { term: 0, vote: 0, commit: 0 }, best?.seq ?? 0);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** The last saved hard state ({0, 0, 0} for a new node). The caller must not mutate it. */
  hardState(): HardState {
    return this.current;
  }

  /**
   * Makes `state` durable; returns after one fdatasync (or at once if nothing changed). Caller:
   * the Raft driver, before sending the messages of the same Ready; never concurrently.
   */
  save(state: HardState): void {
    assert(!this.closed, 'stable store is closed');
    if (state.term === this.current.term && state.vote === this.current.vote && state.commit === this.current.commit) return;
    const seq = this.seq + 1;
    const payload = Buffer.alloc(payloadBytes);
    writeUint64(payload, 0, seq);
    writeUint64(payload, 8, state.term);
    writeUint64(payload, 16, state.vote);
    writeUint64(payload, 24, state.commit);
    const record = Buffer.alloc(recordHeaderBytes + payloadBytes);
    writeRecord(record, 0, payload);
    writeFully(this.fd, record, slotOffsets[seq % 2] ?? 0);
    fdatasyncSync(this.fd);
    this.seq = seq;
    this.current = { term: state.term, vote: state.vote, commit: state.commit };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  /** For error messages and tests. */
  filePath(): string {
    return this.path;
  }
}

function bestSlot(bytes: Buffer, path: string): { seq: number; state: HardState } | undefined {
  let best: { seq: number; state: HardState } | undefined;
  let damaged = 0;
  for (const offset of slotOffsets) {
    const read = readRecord(bytes.subarray(offset, offset + recordHeaderBytes + payloadBytes), payloadBytes);
    if (read.type === 'end') continue;
    if (read.type !== 'record' || read.payload.length !== payloadBytes) {
      damaged++;
      continue;
    }
    const seq = readUint64(read.payload, 0);
    const state = { term: readUint64(read.payload, 8), vote: readUint64(read.payload, 16), commit: readUint64(read.payload, 24) };
    if (best === undefined || seq > best.seq) best = { seq, state };
  }
  // One damaged slot is a torn save; both damaged cannot come from one crash.
  if (damaged === slotOffsets.length) throw new WalCorruptionError(path, 0, 'both hard-state slots are damaged');
  return best;
}
