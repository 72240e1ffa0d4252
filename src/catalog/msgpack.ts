// The one msgpack codec of replicated data: log commands (commands.ts) and state snapshots
// (snapshot.ts) both go through it, so a value survives a snapshot exactly as it survives the log.
//
// Maps decode as Map, not as objects: msgpackr renames an object key "__proto__" (to keep it from
// setting a prototype), but user maps (Meta, Proxy.Config) may hold any key and must replay exactly.

import { Packr } from 'msgpackr';

export const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: false });

/** Decoded Maps → plain objects, keys defined as own properties whatever their names. */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (!(value instanceof Map)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of value as Map<unknown, unknown>) {
    const name = String(key);
    // Plain assignment is much faster; only "__proto__" would set the prototype instead.
    if (name === '__proto__') Object.defineProperty(out, name, { value: toPlain(item), enumerable: true, writable: true, configurable: true });
    else out[name] = toPlain(item);
  }
  return out;
}

/** Packs one value. */
export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * Unpacks one value into plain objects, arrays and scalars (throws on malformed bytes). Binary
 * values come back as Buffers whatever the input's type (msgpackr follows its input's type), so
 * a row restored from a snapshot equals the row its command wrote.
 */
export function unpack(bytes: Uint8Array): unknown {
  return toPlain(packr.unpack(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
}
