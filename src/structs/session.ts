// Sessions as Consul keeps and serves them (structs.Session): a lease held by a node, tied to
// health checks and optionally a TTL, that locks in the KV store depend on.

import { s, type Infer } from './schema.js';

export type SessionBehavior = 'release' | 'delete';

export interface ServiceCheckRef {
  readonly ID: string;
  readonly Namespace: string;
}

/** One session, fields in Consul's JSON order. LockDelay is in nanoseconds, as Go's time.Duration. */
export interface Session {
  readonly ID: string;
  readonly Name: string;
  readonly Node: string;
  readonly LockDelay: number;
  readonly Behavior: SessionBehavior;
  /** As given ("30s"), or "" for a session without a TTL. */
  readonly TTL: string;
  readonly NodeChecks: readonly string[] | null;
  readonly ServiceChecks: readonly ServiceCheckRef[] | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** Body of PUT /v1/session/create. LockDelay is decoded separately (Consul's FixupLockDelay rules). */
export const sessionCreateSchema = s.struct('Session', {
  Name: s.string(),
  Node: s.string(),
  LockDelay: s.any(),
  Behavior: s.string(),
  TTL: s.string(),
  Checks: s.optional(s.list(s.string())),
  NodeChecks: s.optional(s.list(s.string())),
  ServiceChecks: s.optional(s.list(s.struct('ServiceCheck', { ID: s.string(), Namespace: s.string() }))),
});
export type SessionCreateRequest = Infer<typeof sessionCreateSchema>;

/** The check every session watches unless told otherwise: the node's liveness. */
export const serfHealthCheckId = 'serfHealth';
