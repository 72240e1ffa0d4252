// The snapshot file of GET/PUT /v1/snapshot and `taxiway snapshot save|restore|inspect`: one file
// holding a header, metadata and the gzipped state, sealed by a SHA-256 of everything before it.
//
//   offset 0        "TXWYSNAP"                          magic, 8 bytes
//          8        u32 big-endian M                    metadata length
//          12       M bytes of JSON metadata            SnapshotMeta below
//          12 + M   gzip(state)                         src/catalog/snapshot.ts encoding
//          end - 32 SHA-256 of bytes [0, end - 32)      the seal
//
// Consul's file is a gzipped tar of meta.json, state.bin and SHA256SUMS; one sealed file says the
// same with no tar reader. Reading checks, in order: size bounds, magic, seal, metadata, version,
// gunzip (bounded by limits.snapshotBytesMax), the state's length and its own SHA-256, so a
// damaged file is refused before anything looks at the state.

import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { badRequest, type TaxiwayError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';

const magic = Buffer.from('TXWYSNAP', 'latin1');
const sealBytes = 32;
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** The version of this file format; readers refuse others. */
export const snapshotFileVersion = 1;

export interface SnapshotMeta {
  /** term-index-createdAtMs, as Consul names snapshots. */
  readonly ID: string;
  /** The state index the snapshot was taken at (the X-Consul-Index of GET /v1/snapshot). */
  readonly Index: number;
  /** The log term at that time (0 when the log has no terms: a dev server). */
  readonly Term: number;
  readonly Version: number;
  /** RFC 3339. */
  readonly CreatedAt: string;
  readonly Datacenter: string;
  /** Length and SHA-256 (hex) of the uncompressed state. */
  readonly StateBytes: number;
  readonly StateSha256: string;
}

export interface SnapshotFile {
  readonly meta: SnapshotMeta;
  /** The uncompressed state, checked against meta.StateSha256. */
  readonly state: Buffer;
  /** Bytes of the whole file. */
  readonly fileBytes: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Builds the file for `state` (gzip runs off the event loop). */
export async function encodeSnapshotFile(
  state: Uint8Array,
  info: { readonly index: number; readonly term: number; readonly createdAt: Date; readonly datacenter: string },
): Promise<Buffer> {
  const meta: SnapshotMeta = {
    ID: `${info.term}-${info.index}-${info.createdAt.getTime()}`,
    Index: info.index,
    Term: info.term,
    Version: snapshotFileVersion,
    CreatedAt: info.createdAt.toISOString(),
    Datacenter: info.datacenter,
    StateBytes: state.length,
    StateSha256: sha256Hex(state),
  };
  const metaBytes = Buffer.from(JSON.stringify(meta));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(metaBytes.length);
  const body = Buffer.concat([magic, length, metaBytes, await gzipAsync(state, { level: 1 })]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Reads and verifies a file; throws bad_request saying what is wrong, before anything else happens. */
export async function decodeSnapshotFile(file: Uint8Array): Promise<SnapshotFile> {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length > limits.snapshotBytesMax) throw invalid(`it is ${bytes.length} bytes, the limit is ${limits.snapshotBytesMax}`);
  if (bytes.length < magic.length + 4 + sealBytes || !bytes.subarray(0, magic.length).equals(magic)) throw invalid('it is not a taxiway snapshot (bad header)');
  const body = bytes.subarray(0, bytes.length - sealBytes);
  if (!createHash('sha256').update(body).digest().equals(bytes.subarray(bytes.length - sealBytes))) throw invalid('checksum mismatch (the file is damaged or truncated)');
  const metaLength = body.readUInt32BE(magic.length);
  const metaEnd = magic.length + 4 + metaLength;
  if (metaEnd > body.length) throw invalid('metadata runs past the end');
  const meta = parseMeta(body.subarray(magic.length + 4, metaEnd));
  let state: Buffer;
  try {
    state = await gunzipAsync(body.subarray(metaEnd), { maxOutputLength: limits.snapshotBytesMax });
  } catch (error) {
    throw invalid(`state does not decompress: ${error instanceof Error ? error.message : 'unknown error'}`);
  }
  if (state.length !== meta.StateBytes || sha256Hex(state) !== meta.StateSha256) throw invalid('state does not match its checksum');
  return { meta, state, fileBytes: bytes.length };
}

function parseMeta(bytes: Buffer): SnapshotMeta {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('metadata is not JSON');
  }
  const meta = value as Partial<SnapshotMeta> | null;
  if (typeof meta !== 'object' || meta === null) throw invalid('metadata is not an object');
  if (meta.Version !== snapshotFileVersion) throw invalid(`version ${String(meta.Version)}, this taxiway reads version ${snapshotFileVersion}`);
  const numbers = [meta.Index, meta.Term, meta.StateBytes];
  const strings = [meta.ID, meta.CreatedAt, meta.Datacenter, meta.StateSha256];
  if (!numbers.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) || !strings.every((s) => typeof s === 'string')) throw invalid('metadata fields are missing');
  return meta as SnapshotMeta;
}

function invalid(why: string): TaxiwayError {
  return badRequest(`snapshot file is not valid: ${why}`);
}
