// Key/value entries as Consul's KV store keeps and serves them (structs.DirEntry), and the
// operations that change them (api.KVOp).

/**
 * One KV entry. Fields are in Consul's JSON order. `Value` is held in its JSON form, base64 (null
 * for an empty value), so that rows serialise as they are; ?raw decodes it per request.
 * `Session` is present only while a session holds the key's lock.
 */
export interface DirEntry {
  /** How many times the lock on this key has been acquired. */
  readonly LockIndex: number;
  readonly Key: string;
  /** Opaque uint64 for the client: a number, or a BigInt above 2^53 (Consul's lock flags are). */
  readonly Flags: KvFlags;
  readonly Value: string | null;
  readonly Session?: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A uint64 as taxiway carries it: a number when it is exact as one, else a BigInt. */
export type KvFlags = number | bigint;

/** The KV writes of KVS.Apply (Consul's api.KVOp names, as they appear in /v1/txn). */
export type KvWriteVerb = 'set' | 'cas' | 'lock' | 'unlock' | 'delete' | 'delete-cas' | 'delete-tree';

/** A KV write as proposed to the log: the value as bytes, every field fixed. */
export interface KvWrite {
  readonly verb: KvWriteVerb;
  readonly key: string;
  readonly value: Uint8Array | null;
  readonly flags: KvFlags;
  /** The session for lock and unlock ("" otherwise). */
  readonly session: string;
  /** The expected ModifyIndex for cas and delete-cas (0 = must not exist, for cas). */
  readonly index: number;
}

/** The base64 JSON form of a value; empty values are null, as Consul's nil []byte. */
export function valueToJson(value: Uint8Array | null): string | null {
  return value === null || value.length === 0 ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
}
