// The few filesystem moves the stores need to be durable, in one place so their order is reviewed
// once: a new or renamed file survives a crash only after its data and its directory entry are both
// flushed (rename is atomic but not durable until the directory is fsynced).

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Flushes a directory so entries created, renamed or removed in it survive a crash. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `bytes` at `positionBytes`, looping over short writes. */
export function writeFully(fd: number, bytes: Uint8Array, positionBytes: number): void {
  let done = 0;
  while (done < bytes.length) {
    done += writeSync(fd, bytes, done, bytes.length - done, positionBytes + done);
  }
}

/** Writes zeros over [fromBytes, toBytes) in 1 MiB steps (no fsync; the caller syncs). */
export function writeZeros(fd: number, fromBytes: number, toBytes: number): void {
  const zeros = Buffer.alloc(Math.min(1024 * 1024, Math.max(0, toBytes - fromBytes)));
  for (let at = fromBytes; at < toBytes; at += zeros.length) {
    writeFully(fd, zeros.subarray(0, Math.min(zeros.length, toBytes - at)), at);
  }
}

/**
 * Replaces `dir/name` with `bytes` so that after a crash the file holds either the old or the new
 * content, never a mix: write a temp file, fsync it, rename over the target, fsync the directory.
 */
export function writeFileAtomically(dir: string, name: string, bytes: Uint8Array): void {
  const tempPath = join(dir, `${name}.tmp`);
  const fd = openSync(tempPath, 'w');
  try {
    writeFully(fd, bytes, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tempPath, join(dir, name));
  fsyncDirectory(dir);
}

/** Removes a file if it exists (stale temp files after a crash). */
export function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Creates `dir` (and parents) if missing, fsyncing the parent of each directory created so the path survives a crash. */
export function ensureDirectory(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  for (let created = resolve(dir); ; created = dirname(created)) {
    fsyncDirectory(dirname(created));
    if (created === resolve(first) || created === dirname(created)) return;
  }
}
