// Transactions (/v1/txn): the API format clients send, and the operations the log carries.
// Consul's api.TxnOps and structs.TxnOps; verbs as api.KVOp, api.NodeOp, api.ServiceOp,
// api.CheckOp and api.SessionOp spell them.

import { healthCheckInputSchema } from './check.js';
import type { DirEntry } from './kv.js';
import { type Node, nodeFilterSchema } from './node.js';
import type { HealthCheckContent, NodeContent, NodeServiceContent } from './registration.js';
import { s, type Infer } from './schema.js';
import type { HealthCheck } from './check.js';
import { nodeServiceInputSchema, type NodeService } from './service.js';

export const kvTxnVerbs = ['set', 'cas', 'lock', 'unlock', 'get', 'get-tree', 'check-index', 'check-session', 'check-not-exists', 'delete', 'delete-tree', 'delete-cas'] as const;
export type KvTxnVerb = (typeof kvTxnVerbs)[number];
export const catalogTxnVerbs = ['set', 'cas', 'get', 'delete', 'delete-cas'] as const;
export type CatalogTxnVerb = (typeof catalogTxnVerbs)[number];

/** One element of the /v1/txn body. Exactly one of the members is expected to be set. */
export const txnOpSchema = s.struct('TxnOp', {
  KV: s.optional(
    s.struct('KVTxnOp', {
      Verb: s.string(),
      Key: s.string(),
      Value: s.any(),
      Flags: s.uint(),
      Index: s.uint(),
      Session: s.string(),
    }),
  ),
  Node: s.optional(
    s.struct('NodeTxnOp', {
      Verb: s.string(),
      Node: s.struct('Node', { ...nodeFilterSchema.fields, ModifyIndex: s.uint() }),
    }),
  ),
  Service: s.optional(
    s.struct('ServiceTxnOp', {
      Verb: s.string(),
      Node: s.string(),
      Service: s.struct('NodeService', { ...nodeServiceInputSchema.fields, ModifyIndex: s.uint() }, { aliases: nodeServiceInputSchema.aliases }),
    }),
  ),
  Check: s.optional(
    s.struct('CheckTxnOp', {
      Verb: s.string(),
      Check: s.struct('HealthCheck', { ...healthCheckInputSchema.fields, ModifyIndex: s.uint() }, { aliases: healthCheckInputSchema.aliases }),
    }),
  ),
  Session: s.optional(s.struct('SessionTxnOp', { Verb: s.string(), Session: s.struct('Session', { ID: s.string(), Node: s.string() }) })),
});
export type TxnOpInput = Infer<typeof txnOpSchema>;

/** An operation as the log carries it: verbs checked, values decoded, nothing left to decide. */
export type TxnOp =
  | {
      readonly kind: 'kv';
      readonly verb: KvTxnVerb;
      readonly key: string;
      readonly value: Uint8Array | null;
      readonly flags: number;
      readonly index: number;
      readonly session: string;
    }
  | { readonly kind: 'node'; readonly verb: CatalogTxnVerb; readonly node: NodeContent; readonly index: number }
  | { readonly kind: 'service'; readonly verb: CatalogTxnVerb; readonly node: string; readonly service: NodeServiceContent; readonly index: number }
  | { readonly kind: 'check'; readonly verb: CatalogTxnVerb; readonly check: HealthCheckContent; readonly index: number }
  | { readonly kind: 'session'; readonly verb: 'delete'; readonly id: string };

/** One result of a successful transaction, in Consul's shape. */
export type TxnResult = { readonly KV: DirEntry } | { readonly Node: Node } | { readonly Service: NodeService } | { readonly Check: HealthCheck };

export interface TxnError {
  readonly OpIndex: number;
  readonly What: string;
}

/** A transaction either applied every operation or none; the errors say which ones failed. */
export type TxnOutcome = { readonly results: readonly TxnResult[]; readonly errors: null } | { readonly results: null; readonly errors: readonly TxnError[] };

/** A verb taken from client input, or undefined when it is not one of `verbs`. */
export function verbOf<V extends string>(verbs: readonly V[], verb: string): V | undefined {
  return (verbs as readonly string[]).includes(verb) ? (verb as V) : undefined;
}

/** Whether a KV verb writes (a transaction of reads only takes the read path, as in Consul). */
export function isKvWriteVerb(verb: KvTxnVerb): boolean {
  return verb === 'set' || verb === 'cas' || verb === 'lock' || verb === 'unlock' || verb === 'delete' || verb === 'delete-tree' || verb === 'delete-cas';
}
