// Builders for KV, session and transaction commands in catalog tests.

import { CommandType, type KvWriteCommand, type SessionCommand, type TxnCommand } from '../../src/catalog/commands.js';
import type { KvWrite, KvWriteVerb } from '../../src/structs/kv.js';
import type { Session } from '../../src/structs/session.js';
import type { TxnOp } from '../../src/structs/txn.js';

export function kv(verb: KvWriteVerb, key: string, fields: Partial<Omit<KvWrite, 'verb' | 'key' | 'value'>> & { value?: string } = {}): KvWriteCommand {
  const { value, ...rest } = fields;
  return { type: CommandType.KvWrite, write: { verb, key, value: value === undefined ? null : Buffer.from(value), flags: 0, session: '', index: 0, ...rest } };
}

export function session(id: string, node: string, fields: Partial<Session> = {}): Session {
  return { ID: id, Name: '', Node: node, LockDelay: 0, Behavior: 'release', TTL: '', NodeChecks: [], ServiceChecks: null, CreateIndex: 0, ModifyIndex: 0, ...fields };
}

export function createSession(value: Session): SessionCommand {
  return { type: CommandType.Session, op: 'create', session: value };
}

export function destroySession(id: string): SessionCommand {
  return { type: CommandType.Session, op: 'destroy', id };
}

export function txn(...ops: TxnOp[]): TxnCommand {
  return { type: CommandType.Txn, ops };
}

export function kvOp(verb: Extract<TxnOp, { kind: 'kv' }>['verb'], key: string, fields: { value?: string; index?: number; session?: string; flags?: number } = {}): TxnOp {
  return { kind: 'kv', verb, key, value: fields.value === undefined ? null : Buffer.from(fields.value), flags: fields.flags ?? 0, index: fields.index ?? 0, session: fields.session ?? '' };
}

/** A stored value decoded back to text ("" for an empty value). */
export function text(value: string | null | undefined): string {
  return value === null || value === undefined ? '' : Buffer.from(value, 'base64').toString();
}
