// RuntimeConfig: what the agent runs with, after defaults, config files and flags have been
// merged, every default filled in, every value checked and every derived value computed (Consul's
// RuntimeConfig, agent/config/runtime.go, for the keys taxiway supports). It is deeply frozen; a
// reload builds a new one. Durations are milliseconds and say so in their names; a port of -1
// means "do not listen".

import type { CheckDefinition } from '../../structs/check.js';
import type { ServiceDefinition } from '../../structs/service.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type AclPolicy = 'allow' | 'deny';
export type AclDownPolicy = 'allow' | 'deny' | 'extend-cache' | 'async-cache';

export interface PortsConfig {
  readonly dns: number;
  readonly http: number;
  readonly https: number;
  /** Plain-text gRPC (xDS for Envoy). Off (-1) unless set or in -dev (8502). */
  readonly grpc: number;
  /** gRPC over TLS. Servers default to 8503 as in Consul; clients to -1. */
  readonly grpcTls: number;
  readonly serfLan: number;
  readonly serfWan: number;
  /** Server RPC; always > 0. */
  readonly server: number;
}

/** The IPs each client-facing listener binds: addresses.<name> when set, else client_addr. */
export interface ListenAddresses {
  readonly dns: readonly string[];
  readonly http: readonly string[];
  readonly https: readonly string[];
  readonly grpc: readonly string[];
  readonly grpcTls: readonly string[];
}

export interface DnsConfig {
  readonly allowStale: boolean;
  readonly maxStaleMs: number;
  readonly nodeTtlMs: number;
  /** Service name, or prefix ending in "*" ("web*", "*"), → TTL. */
  readonly serviceTtlMs: Readonly<Record<string, number>>;
  readonly onlyPassing: boolean;
  readonly enableTruncate: boolean;
  readonly udpAnswerLimit: number;
  /** 0 = no limit. */
  readonly aRecordLimit: number;
  readonly recursorTimeoutMs: number;
  readonly enableAdditionalNodeMetaTxt: boolean;
  readonly soa: { readonly refreshSeconds: number; readonly retrySeconds: number; readonly expireSeconds: number; readonly minTtlSeconds: number };
}

export interface AclConfig {
  readonly enabled: boolean;
  readonly defaultPolicy: AclPolicy;
  readonly downPolicy: AclDownPolicy;
  /** Tokens from the config file; "" = not set. Secrets: never log them. */
  readonly tokens: {
    readonly initialManagement: string;
    readonly default: string;
    readonly agent: string;
    readonly agentRecovery: string;
    readonly replication: string;
    readonly configFileServiceRegistration: string;
    readonly dns: string;
  };
}

export interface ConnectConfig {
  readonly enabled: boolean;
  /** "consul" (built-in CA); "" = not set, which also means the built-in CA. */
  readonly caProvider: string;
  /** CA settings with Consul's snake_case keys translated to its CamelCase (leaf_cert_ttl → LeafCertTTL). */
  readonly caConfig: Readonly<Record<string, unknown>>;
  /**
   * default_intention_policy (top level in the file, as in Consul): "" follows the ACL default
   * policy; "allow" or "deny" decides /v1/agent/connect/authorize when no intention matches.
   */
  readonly defaultIntentionPolicy: '' | 'allow' | 'deny';
}

export interface UiConfig {
  readonly enabled: boolean;
  /** Directory of UI assets to serve instead of the built-in ones; "" = built-in. */
  readonly dir: string;
  /** URL path the UI is served under, with leading and trailing slash ("/ui/"). */
  readonly contentPath: string;
}

export interface LimitsConfig {
  /** Concurrent HTTP connections one client IP may hold (0 = no limit). */
  readonly httpMaxConnsPerClient: number;
  readonly kvMaxValueBytes: number;
  readonly txnMaxRequestBytes: number;
}

export interface RuntimeConfig {
  readonly devMode: boolean;
  /** Lower case; letters, digits, "-" and "_". */
  readonly datacenter: string;
  /** The ACL/CA authority datacenter; the agent's own datacenter when not set. */
  readonly primaryDatacenter: string;
  readonly nodeName: string;
  /** Lower-case UUID, or "" when not set (the agent then generates and persists one). */
  readonly nodeId: string;
  readonly disableHostNodeId: boolean;
  readonly serverMode: boolean;
  /** True when this server may elect itself alone: -bootstrap, -bootstrap-expect=1 or -dev. */
  readonly bootstrap: boolean;
  /** Servers to wait for before the first election; 0 = not used. Never set with bootstrap. */
  readonly bootstrapExpect: number;
  /** "" only in -dev mode (state in memory). */
  readonly dataDir: string;
  readonly pidFile: string;

  readonly bindAddr: string;
  /** Address other agents reach this one at in its datacenter; never 0.0.0.0 or ::. */
  readonly advertiseAddrLan: string;
  readonly advertiseAddrWan: string;
  /** Consul's node tagged addresses: lan, wan and lan_ipv4/lan_ipv6, wan_ipv4/wan_ipv6. */
  readonly taggedAddresses: Readonly<Record<string, string>>;
  readonly clientAddrs: readonly string[];
  readonly listenAddresses: ListenAddresses;
  readonly ports: PortsConfig;

  readonly logLevel: LogLevel;
  readonly logJson: boolean;
  readonly enableDebug: boolean;
  readonly disableUpdateCheck: boolean;

  /** Lower case, ends with a dot ("consul."). */
  readonly dnsDomain: string;
  /** "" or lower case ending with a dot. */
  readonly dnsAltDomain: string;
  /** Deduplicated "ip:port" / "[ip6]:port". */
  readonly dnsRecursors: readonly string[];
  readonly dnsConfig: DnsConfig;

  readonly retryJoin: readonly string[];
  readonly retryJoinWan: readonly string[];
  readonly startJoin: readonly string[];
  readonly startJoinWan: readonly string[];
  readonly retryIntervalMs: number;
  readonly retryIntervalWanMs: number;
  /** 0 = retry for ever. */
  readonly retryMaxAttempts: number;
  readonly retryMaxAttemptsWan: number;
  readonly leaveOnTerminate: boolean;
  readonly skipLeaveOnInterrupt: boolean;

  /** Base64 gossip key of 16, 24 or 32 bytes, or "". Secret: never log it. */
  readonly encryptKey: string;
  readonly encryptVerifyIncoming: boolean;
  readonly encryptVerifyOutgoing: boolean;
  /** gossip_lan: only the timings set in the config; the rest are memberlist's LAN defaults. */
  readonly gossipLan: GossipTimingConfig;
  /** gossip_wan, the same way over memberlist's WAN defaults. */
  readonly gossipWan: GossipTimingConfig;

  readonly nodeMeta: Readonly<Record<string, string>>;
  readonly acl: AclConfig;
  readonly connect: ConnectConfig;
  /** ports.sidecar_min_port..sidecar_max_port (inclusive): where sidecar ports are auto-assigned; -1 = off. */
  readonly sidecarPorts: { readonly min: number; readonly max: number };
  readonly uiConfig: UiConfig;
  readonly limits: LimitsConfig;
  /** Scales raft timing; 1 (fastest) to 10. */
  readonly raftMultiplier: number;
  readonly checkUpdateIntervalMs: number;
  readonly enableScriptChecks: boolean;
  readonly enableLocalScriptChecks: boolean;

  /** From `services`/`service` in every source, in load order; not yet registered. */
  readonly services: readonly ServiceDefinition[];
  /** From `checks`/`check` in every source, in load order. */
  readonly checks: readonly CheckDefinition[];
  /** Config files read, in the order they were merged. */
  readonly sources: readonly string[];
}

/** Consul's gossip_lan / gossip_wan block, in milliseconds. */
export interface GossipTimingConfig {
  readonly gossipNodes?: number;
  readonly gossipIntervalMs?: number;
  readonly probeIntervalMs?: number;
  readonly probeTimeoutMs?: number;
  readonly retransmitMult?: number;
  readonly suspicionMult?: number;
}
