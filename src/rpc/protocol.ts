// The calls an agent makes to a server, and their argument and reply types. In dev mode the agent
// and server share a process and the in-process client calls the server's handlers directly; the
// cluster issue carries the same calls over the RPC port. Errors cross as TaxiwayError codes.

import type { HealthCheck } from '../structs/check.js';
import type { Node } from '../structs/node.js';
import type { AutopilotConfig } from '../structs/autopilot.js';
import type { OperatorHealth, RaftConfiguration } from '../structs/operator.js';
import type { Registration } from '../structs/registration.js';
import type { NodeService } from '../structs/service.js';
import type { CheckStatus } from '../structs/check.js';
import type { CaConfiguration, IndexedCaRoots, IssuedCert } from '../structs/connect-ca.js';
import type { ConfigEntry, ConfigEntryBody, ConfigEntryKind } from '../structs/config-entry.js';
import type { CompiledChain } from '../connect/discovery-chain.js';
import type { Intention, MatchType } from '../connect/intentions.js';
import type { IntentionWrite } from '../connect/intention-writes.js';
import type { AuthorizeResult } from '../connect/authorize.js';
import type { ServiceSpiffeId } from '../connect/spiffe.js';
import type { DirEntry, KvWrite } from '../structs/kv.js';
import type { Session, SessionCreateRequest } from '../structs/session.js';
import type { TxnOp, TxnOutcome } from '../structs/txn.js';

/** Options every read carries: target datacenter, token, blocking and consistency. */
export interface QueryOptions {
  readonly datacenter: string;
  readonly token: string;
  /** ?index=: block until the result index passes this (0 = no blocking). */
  readonly minQueryIndex: number;
  /** ?wait= in ms (0 = the default wait). */
  readonly maxQueryTimeMs: number;
  readonly allowStale: boolean;
  readonly requireConsistent: boolean;
  /** ?max_stale= in ms (0 = no bound). */
  readonly maxStaleMs: number;
  /** ?filter= expression ("" = none). */
  readonly filter: string;
}

/** Options every write carries. */
export interface WriteOptions {
  readonly datacenter: string;
  readonly token: string;
}

export type ConsistencyLevel = 'leader' | 'stale' | 'consistent';

/** What a read reply says about itself; rendered as X-Consul-* headers. */
export interface QueryMeta {
  /** Never 0 (blocking-query rule 3). */
  readonly index: number;
  readonly knownLeader: boolean;
  readonly lastContactMs: number;
  readonly consistency: ConsistencyLevel;
}

export interface QueryReply<T> {
  readonly meta: QueryMeta;
  readonly value: T;
}

/** One server as the others know it (Cluster.Hello). */
export interface ServerInfo {
  /** Node ID (UUID). */
  readonly id: string;
  readonly name: string;
  /** host:port of its RPC listener. */
  readonly address: string;
  readonly datacenter: string;
}

/** What a server says of itself in a hello: who it is, what it waits for, whether it has Raft state. */
export interface HelloFacts {
  readonly self: ServerInfo;
  /** Its -bootstrap-expect (0 = none). */
  readonly bootstrapExpect: number;
  /** True when it started from Raft state of an earlier run: that cluster must not be bootstrapped again. */
  readonly hasState: boolean;
  /** Raft ids of the voters its Raft node runs with; [] before it started Raft. */
  readonly voters: readonly number[];
}

/** node-meta=key:value filters: every pair must match the node's Meta exactly. */
export type NodeMetaFilter = Readonly<Record<string, string>>;

/** /v1/catalog/service elements: Consul's flattened ServiceNode. */
export type CatalogService = Record<string, unknown>;

/** /v1/health/service elements. */
export interface ServiceEntry {
  readonly Node: Node;
  readonly Service: NodeService;
  readonly Checks: readonly HealthCheck[];
}

export interface NodeServicesMap {
  readonly Node: Node;
  readonly Services: Readonly<Record<string, NodeService>>;
}

export interface NodeServicesList {
  readonly Node: Node;
  readonly Services: readonly NodeService[];
}

interface ServiceQuery extends QueryOptions {
  readonly serviceName: string;
  /** Every tag must be present (case-insensitively). */
  readonly tags: readonly string[];
  readonly nodeMeta: NodeMetaFilter;
  /** Instances that serve `serviceName` in the mesh (sidecars, native) instead of the service itself. */
  readonly connect: boolean;
}

/** A step of a restore: the restore command (catalog/commands.ts SnapshotRestoreCommand) without its type. */
export type SnapshotRestoreStep =
  | { readonly op: 'begin'; readonly id: string }
  | { readonly op: 'chunk'; readonly id: string; readonly seq: number; readonly bytes: Uint8Array }
  | { readonly op: 'commit'; readonly id: string; readonly chunks: number; readonly sha256: string };

export interface RpcMethods {
  'Catalog.Register': { args: WriteOptions & { registration: Registration }; reply: boolean };
  /** Removes the service and/or check named, or the whole node when neither is. */
  'Catalog.Deregister': { args: WriteOptions & { node: string; serviceId: string; checkId: string }; reply: boolean };
  'Catalog.ListDatacenters': { args: Record<string, never>; reply: string[] };
  'Catalog.ListNodes': { args: QueryOptions & { nodeMeta: NodeMetaFilter }; reply: QueryReply<readonly Node[]> };
  'Catalog.ListServices': { args: QueryOptions & { nodeMeta: NodeMetaFilter }; reply: QueryReply<Record<string, string[]>> };
  'Catalog.ServiceNodes': { args: ServiceQuery; reply: QueryReply<readonly CatalogService[]> };
  'Catalog.NodeServices': { args: QueryOptions & { node: string }; reply: QueryReply<NodeServicesMap | null> };
  'Catalog.NodeServiceList': { args: QueryOptions & { node: string }; reply: QueryReply<NodeServicesList | null> };
  'Health.ServiceNodes': { args: ServiceQuery & { passingOnly: boolean }; reply: QueryReply<readonly ServiceEntry[]> };
  'Health.NodeChecks': { args: QueryOptions & { node: string }; reply: QueryReply<readonly HealthCheck[]> };
  'Health.ServiceChecks': { args: QueryOptions & { serviceName: string; nodeMeta: NodeMetaFilter }; reply: QueryReply<readonly HealthCheck[]> };
  'Health.ChecksInState': { args: QueryOptions & { state: CheckStatus | 'any'; nodeMeta: NodeMetaFilter }; reply: QueryReply<readonly HealthCheck[]> };
  /** A KV write; false when a cas, lock or unlock did not happen (or a lock is in its lock-delay). */
  'KVS.Apply': { args: WriteOptions & { write: KvWrite }; reply: boolean };
  /** One key: [] when missing (the reply index still blocks on it). */
  'KVS.Get': { args: QueryOptions & { key: string }; reply: QueryReply<readonly DirEntry[]> };
  'KVS.List': { args: QueryOptions & { prefix: string }; reply: QueryReply<readonly DirEntry[]> };
  'KVS.ListKeys': { args: QueryOptions & { prefix: string; separator: string }; reply: QueryReply<readonly string[]> };
  /** Creates a session (reply: its ID) from the decoded body; LockDelay in ms, undefined = default. */
  'Session.Create': { args: WriteOptions & { request: SessionCreateRequest; lockDelayMs: number | undefined; defaultNode: string }; reply: string };
  'Session.Destroy': { args: WriteOptions & { id: string }; reply: boolean };
  /** Restarts a TTL session's timer; null when there is no such session. */
  'Session.Renew': { args: WriteOptions & { id: string }; reply: readonly Session[] | null };
  'Session.Get': { args: QueryOptions & { id: string }; reply: QueryReply<readonly Session[]> };
  'Session.List': { args: QueryOptions; reply: QueryReply<readonly Session[]> };
  'Session.NodeSessions': { args: QueryOptions & { node: string }; reply: QueryReply<readonly Session[]> };
  /** A transaction with at least one write: through the log, all or nothing. */
  'Txn.Apply': { args: WriteOptions & { ops: readonly TxnOp[] }; reply: TxnOutcome };
  /** A transaction of reads only: no log entry, consistency modes apply, no blocking. */
  'Txn.Read': { args: QueryOptions & { ops: readonly TxnOp[] }; reply: QueryReply<TxnOutcome> };
  /** The trusted roots as /v1/connect/ca/roots shows them (no keys). */
  'ConnectCA.Roots': { args: QueryOptions; reply: QueryReply<IndexedCaRoots> };
  /** Signs a PEM CSR for a service leaf; rate-limited (csr_max_per_second / csr_max_concurrent). */
  'ConnectCA.Sign': { args: WriteOptions & { csr: string }; reply: IssuedCert };
  'ConnectCA.ConfigurationGet': { args: QueryOptions; reply: QueryReply<Omit<CaConfiguration, 'ClusterID'>> };
  /** Replaces the CA configuration; a change of key type, size or root TTL rotates the root. */
  'ConnectCA.ConfigurationSet': {
    args: WriteOptions & { config: { Provider: string; Config: Record<string, unknown>; ForceWithoutCrossSigning: boolean } };
    reply: boolean;
  };
  /** Validates and writes a config entry; false when ?cas did not hold. */
  'ConfigEntry.Apply': { args: WriteOptions & { entry: ConfigEntryBody; casIndex: number | null }; reply: boolean };
  'ConfigEntry.Delete': { args: WriteOptions & { kind: ConfigEntryKind; name: string; casIndex: number | null }; reply: boolean };
  'ConfigEntry.Get': { args: QueryOptions & { kind: ConfigEntryKind; name: string }; reply: QueryReply<ConfigEntry | null> };
  /** Entries of one kind, or of every kind when `kind` is undefined. */
  'ConfigEntry.List': { args: QueryOptions & { kind: ConfigEntryKind | undefined }; reply: QueryReply<readonly ConfigEntry[]> };
  'DiscoveryChain.Get': { args: QueryOptions & { name: string }; reply: QueryReply<CompiledChain> };
  /** Every intention in precedence order. */
  'Intention.List': { args: QueryOptions; reply: QueryReply<readonly Intention[]> };
  /** For each name, the intentions that apply to it as a source or destination, in precedence order. */
  'Intention.Match': { args: QueryOptions & { type: MatchType; names: readonly string[] }; reply: QueryReply<readonly (readonly Intention[])[]> };
  /**
   * How a connection from `source` to `destination` is decided (the default comes from the ACL
   * default policy); an L7 intention answers not allowed, as Consul's check and authorize do.
   */
  'Intention.Decide': {
    args: QueryOptions & { source: string; destination: string };
    reply: QueryReply<{ readonly allowed: boolean; readonly reason: string; readonly l7: boolean; readonly defaultAllow: boolean }>;
  };
  /**
   * /v1/agent/connect/authorize in one read: the client's trust domain against the CA's, then
   * the intention decision between the client's service and the target.
   */
  'Intention.Authorize': { args: QueryOptions & { target: string; client: ServiceSpiffeId }; reply: QueryReply<AuthorizeResult> };
  /** A legacy or exact intention write; answers the intention's ID ("" for deletes and exact writes). */
  'Intention.Apply': { args: WriteOptions & { write: IntentionWrite }; reply: string };
  /**
   * A server or client introduces itself to a server (`from` undefined for clients) and learns the
   * servers that one knows: bootstrap-expect counting, joins, and client agents' server lists.
   */
  'Cluster.Hello': { args: { datacenter: string; from: HelloFacts | undefined }; reply: HelloFacts & { readonly servers: readonly ServerInfo[] } };
  /** The Raft configuration: every voter and non-voter with its address and log position. */
  'Operator.RaftGetConfiguration': { args: QueryOptions; reply: QueryReply<RaftConfiguration> };
  /** Removes a server from Raft by node ID or by RPC address (one of them non-empty). */
  'Operator.RaftRemovePeer': { args: WriteOptions & { id: string; address: string }; reply: boolean };
  /** Hands leadership to the server with node ID `id`, or to the most caught-up voter when "". */
  'Operator.RaftTransferLeader': { args: WriteOptions & { id: string }; reply: boolean };
  'Operator.AutopilotGetConfiguration': { args: QueryOptions; reply: QueryReply<AutopilotConfig> };
  /** false when ?cas did not hold. */
  'Operator.AutopilotSetConfiguration': { args: WriteOptions & { config: Omit<AutopilotConfig, 'CreateIndex' | 'ModifyIndex'>; casIndex: number | null }; reply: boolean };
  /** Every server's health as the leader sees it (always answered by the leader). */
  'Operator.ServerHealth': { args: QueryOptions; reply: OperatorHealth };
  'Status.Leader': { args: { datacenter: string }; reply: string };
  'Status.Peers': { args: { datacenter: string }; reply: string[] };
  /**
   * The whole state as a snapshot file (src/snapshot/file.ts); meta.index is the state index it
   * was taken at. The file travels whole: fine in process; over the wire it must fit wireFrameBytesMax.
   */
  'Snapshot.Save': { args: QueryOptions; reply: QueryReply<Uint8Array> };
  /**
   * One step of a restore through the log (src/snapshot/restore.ts drives them, each small enough
   * for one RPC frame and one log entry): begin, chunk × n, commit. index: the state index the
   * commit restored at (0 for the other steps).
   */
  'Snapshot.Restore': { args: WriteOptions & { step: SnapshotRestoreStep }; reply: { readonly index: number } };
}

export type RpcMethod = keyof RpcMethods;
export type RpcArgs<M extends RpcMethod> = RpcMethods[M]['args'];
export type RpcReply<M extends RpcMethod> = RpcMethods[M]['reply'];

/** How an agent reaches a server. `signal` abandons a blocking call when its caller goes away. */
export interface RpcClient {
  call<M extends RpcMethod>(method: M, args: RpcArgs<M>, signal?: AbortSignal): Promise<RpcReply<M>>;
}

/** The server side: one handler per method. */
export type RpcHandlers = { readonly [M in RpcMethod]: (args: RpcArgs<M>, signal?: AbortSignal) => Promise<RpcReply<M>> };
