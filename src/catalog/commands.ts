// The replicated commands: every change to the state store is one of these, numbered, applied in
// log order by fsm.ts on every server. Numbers are fixed forever: a number is never reused or
// renumbered, because logs and snapshots written by older versions must replay the same way.
// A command whose number has IGNORABLE_FLAG set may be skipped by a server that does not know it
// (for rolling upgrades); any other unknown number stops the server, since skipping it would
// silently diverge the state.
//
// Commands carry fully decided data: IDs, timestamps and defaults are fixed before proposing
// (style rule 6), so applying a command is deterministic.

import type { ConfigEntryBody, ConfigEntryKind } from '../structs/config-entry.js';
import type { CaConfiguration, CaRoot } from '../structs/connect-ca.js';
import type { KvWrite } from '../structs/kv.js';
import type { Registration } from '../structs/registration.js';
import type { Session } from '../structs/session.js';
import type { TxnOp } from '../structs/txn.js';
import { pack, unpack } from './msgpack.js';
import type { AutopilotConfig } from '../structs/autopilot.js';

// Numbers follow Consul's MessageType where a counterpart exists, which keeps the two easy to
// compare; 4, 6 and 7 are left for ACLs, coordinates and prepared queries. 13 is Consul's
// ConnectCARequestType; 14 (its provider state) stays free because the built-in CA keeps its
// signing key in the root row. 10 is Consul's ConfigEntryRequestType. Numbers from 32 up are
// taxiway's own, with no Consul counterpart (Consul restores snapshots outside its log).
export const CommandType = {
  Register: 0,
  Deregister: 1,
  KvWrite: 2,
  Session: 3,
  TombstoneReap: 5,
  Txn: 8,
  Autopilot: 9,
  ConfigEntry: 10,
  ConnectCa: 13,
  SnapshotRestore: 32,
} as const;
export type CommandType = (typeof CommandType)[keyof typeof CommandType];

/** Set on a command number that servers which do not know it may skip. */
export const IGNORABLE_FLAG = 128;

/** Registers (or updates) a node and optionally one service and some checks on it, atomically. */
export interface RegisterCommand extends Registration {
  readonly type: typeof CommandType.Register;
}

/** Removes a service and/or a check from a node, or, when neither is named, the node itself. */
export interface DeregisterCommand {
  readonly type: typeof CommandType.Deregister;
  readonly node: string;
  readonly serviceId: string;
  readonly checkId: string;
}

/** One KV write (KVS.Apply). */
export interface KvWriteCommand {
  readonly type: typeof CommandType.KvWrite;
  readonly write: KvWrite;
}

/** Creates a session (ID, node and defaults fixed by the server) or destroys one. */
export type SessionCommand =
  | { readonly type: typeof CommandType.Session; readonly op: 'create'; readonly session: Session }
  | { readonly type: typeof CommandType.Session; readonly op: 'destroy'; readonly id: string };

/** Forgets KV tombstones at or below an index (issued by the leader's tombstone GC). */
export interface TombstoneReapCommand {
  readonly type: typeof CommandType.TombstoneReap;
  readonly upTo: number;
}

/** Several operations applied all-or-nothing (/v1/txn). */
export interface TxnCommand {
  readonly type: typeof CommandType.Txn;
  readonly ops: readonly TxnOp[];
}

/**
 * The Connect CA's state (Consul's CARequest): `set-config` replaces the CA configuration;
 * `set-roots` replaces the whole set of trusted roots (exactly one active) and optionally the
 * configuration with it, only if the roots table's index is still `casIndex` (so two leaders'
 * rotations cannot interleave); it answers false otherwise. Keys, certificates, serials and times
 * are made by the leader before proposing.
 */
export type ConnectCaCommand =
  | { readonly type: typeof CommandType.ConnectCa; readonly op: 'set-config'; readonly config: CaConfiguration }
  | {
      readonly type: typeof CommandType.ConnectCa;
      readonly op: 'set-roots';
      readonly roots: readonly CaRoot[];
      readonly config: CaConfiguration | null;
      readonly casIndex: number;
    };

/**
 * A config entry write (Consul's ConfigEntryRequest): upsert or delete one entry, validated and
 * normalised before proposing. With `casIndex` set it is a check-and-set on the entry's
 * ModifyIndex (0 = only if absent, for an upsert) and answers false when that does not hold.
 */
export type ConfigEntryCommand =
  | { readonly type: typeof CommandType.ConfigEntry; readonly op: 'upsert'; readonly entry: ConfigEntryBody; readonly casIndex: number | null }
  | { readonly type: typeof CommandType.ConfigEntry; readonly op: 'delete'; readonly kind: ConfigEntryKind; readonly name: string; readonly casIndex: number | null };

/**
 * A snapshot restore, staged through the log because one entry is bounded (walEntryBytesMax):
 * `begin` opens staging `id` (dropping any abandoned staging), `chunk` appends the next piece of
 * the state bytes (seq 0, 1, ... in order), `commit` checks the count and SHA-256 (hex) of the
 * staged bytes and swaps the whole state for them at once. The staging is replicated state
 * (tables/snapshot-restore.ts), so a follower restored from a Raft snapshot mid-staging still
 * reaches the same commit.
 */
export type SnapshotRestoreCommand =
  | { readonly type: typeof CommandType.SnapshotRestore; readonly op: 'begin'; readonly id: string }
  | { readonly type: typeof CommandType.SnapshotRestore; readonly op: 'chunk'; readonly id: string; readonly seq: number; readonly bytes: Uint8Array }
  | { readonly type: typeof CommandType.SnapshotRestore; readonly op: 'commit'; readonly id: string; readonly chunks: number; readonly sha256: string };

/** Replaces autopilot's configuration; with `casIndex` only if the row's ModifyIndex still is it. */
export interface AutopilotCommand {
  readonly type: typeof CommandType.Autopilot;
  readonly config: Omit<AutopilotConfig, 'CreateIndex' | 'ModifyIndex'>;
  readonly casIndex: number | null;
}

export type Command =
  | RegisterCommand
  | DeregisterCommand
  | KvWriteCommand
  | SessionCommand
  | TombstoneReapCommand
  | TxnCommand
  | ConnectCaCommand
  | ConfigEntryCommand
  | SnapshotRestoreCommand
  | AutopilotCommand;

export function encodeCommand(command: Command): Uint8Array {
  return pack(command);
}

/** The outcome of decoding a log entry: a known command, or an unknown number and whether it may be skipped. */
export type DecodedCommand =
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'unknown'; readonly type: number; readonly ignorable: boolean };

const knownTypes = new Set<number>(Object.values(CommandType));

export function decodeCommand(bytes: Uint8Array): DecodedCommand {
  const value: unknown = unpack(bytes);
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'number') return { kind: 'unknown', type: -1, ignorable: false };
  if (!knownTypes.has(type)) return { kind: 'unknown', type, ignorable: (type & IGNORABLE_FLAG) !== 0 };
  return { kind: 'command', command: value as Command };
}
