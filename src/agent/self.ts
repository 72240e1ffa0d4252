// /v1/agent/self: who this agent is. Go clients decode it as map[string]map[string]any, so every
// top-level value is an object (or null). The keys tools actually read are covered: Config
// (Prometheus, consul-template), DebugConfig (GRPCPort, DNSDomain, ConnectEnabled...), Member,
// Stats (`taxiway info`), Meta and xDS (Envoy bootstrap).

import { arch, cpus, platform } from 'node:os';
import type { RuntimeConfig } from './config/runtime-config.js';
import { consulVersion, protocolVersion, taxiwayVersion, releaseDate } from '../version.js';
import type { ServerFacts } from '../server/server.js';

export interface SelfFacts {
  readonly config: RuntimeConfig;
  readonly nodeId: string;
  readonly nodeMeta: Readonly<Record<string, string>>;
  readonly localServiceCount: number;
  readonly localCheckCount: number;
  readonly localTtlCheckCount: number;
  /** Server facts; undefined on a client agent. */
  readonly server: ServerFacts | undefined;
  readonly knownServers: number;
}

export function agentSelf(facts: SelfFacts): Record<string, unknown> {
  const { config } = facts;
  const self: Record<string, unknown> = {
    Config: {
      Datacenter: config.datacenter,
      PrimaryDatacenter: config.primaryDatacenter,
      NodeName: config.nodeName,
      NodeID: facts.nodeId,
      Revision: '',
      Server: config.serverMode,
      Version: consulVersion,
      BuildDate: releaseDate,
      TaxiwayVersion: taxiwayVersion,
    },
    DebugConfig: debugConfig(facts),
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: member(facts),
    Stats: stats(facts),
    Meta: facts.nodeMeta,
  };
  if (config.ports.grpc > 0 || config.ports.grpcTls > 0) {
    self.xDS = {
      SupportedProxies: { envoy: ['1.31.0', '1.30.4', '1.29.7', '1.28.5'] },
      Port: config.ports.grpcTls > 0 ? config.ports.grpcTls : config.ports.grpc,
      Ports: { Plaintext: config.ports.grpc, TLS: config.ports.grpcTls },
    };
  }
  return self;
}

/** The subset of Consul's sanitised RuntimeConfig that clients are known to read, with Consul's key names. */
function debugConfig({ config, nodeId }: SelfFacts): Record<string, unknown> {
  return {
    Datacenter: config.datacenter,
    PrimaryDatacenter: config.primaryDatacenter,
    NodeName: config.nodeName,
    NodeID: nodeId,
    ServerMode: config.serverMode,
    DevMode: config.devMode,
    Bootstrap: config.bootstrap,
    BootstrapExpect: config.bootstrapExpect,
    DataDir: config.dataDir,
    BindAddr: config.bindAddr,
    AdvertiseAddrLAN: config.advertiseAddrLan,
    AdvertiseAddrWAN: config.advertiseAddrWan,
    ClientAddrs: config.clientAddrs,
    HTTPPort: config.ports.http,
    HTTPSPort: config.ports.https,
    DNSPort: config.ports.dns,
    GRPCPort: config.ports.grpc,
    GRPCTLSPort: config.ports.grpcTls,
    ServerPort: config.ports.server,
    SerfPortLAN: config.ports.serfLan,
    SerfPortWAN: config.ports.serfWan,
    DNSDomain: config.dnsDomain,
    DNSAltDomain: config.dnsAltDomain,
    DNSRecursors: config.dnsRecursors,
    ConnectEnabled: config.connect.enabled,
    ACLsEnabled: config.acl.enabled,
    ACLDefaultPolicy: config.acl.defaultPolicy,
    EnableDebug: config.enableDebug,
    EnableScriptChecks: config.enableScriptChecks,
    EnableLocalScriptChecks: config.enableLocalScriptChecks,
    UIConfig: { Enabled: config.uiConfig.enabled, ContentPath: config.uiConfig.contentPath },
    RaftProtocol: 3,
    RetryJoinLAN: config.retryJoin,
    NodeMeta: config.nodeMeta,
    LogLevel: config.logLevel,
    Version: consulVersion,
  };
}

/** Consul's Serf tags for this agent (agent/consul/server_serf.go, client_serf.go). */
export function memberTags(config: RuntimeConfig, nodeId: string): Record<string, string> {
  const tags: Record<string, string> = {
    role: config.serverMode ? 'consul' : 'node',
    dc: config.datacenter,
    id: nodeId,
    segment: '',
    vsn: '2',
    vsn_min: '2',
    vsn_max: '3',
    build: `${consulVersion}:taxiway-${taxiwayVersion}`,
  };
  if (config.serverMode) {
    tags.port = String(config.ports.server);
    tags.raft_vsn = '3';
    tags.wan_join_port = String(config.ports.serfWan);
    if (config.bootstrap) tags.bootstrap = '1';
    if (config.bootstrapExpect > 0) tags.expect = String(config.bootstrapExpect);
  }
  return tags;
}

/** One member as /v1/agent/members shows it (Consul's api.AgentMember). */
export interface AgentMemberJson {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

/** A member in Consul's shape; the protocol and delegate versions are this build's. */
export function agentMember(name: string, addr: string, port: number, tags: Record<string, string>, status: number): AgentMemberJson {
  return {
    Name: name,
    Addr: addr,
    Port: port,
    Tags: tags,
    Status: status,
    ProtocolMin: protocolVersion.min,
    ProtocolMax: protocolVersion.max,
    ProtocolCur: protocolVersion.current,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

function member({ config, nodeId }: SelfFacts): AgentMemberJson {
  return agentMember(config.nodeName, config.advertiseAddrLan, config.ports.serfLan, memberTags(config, nodeId), 1);
}

/** Every value is a string, as Consul's Stats are. */
function stats(facts: SelfFacts): Record<string, Record<string, string>> {
  const { config, server } = facts;
  const out: Record<string, Record<string, string>> = {
    agent: {
      check_monitors: '0',
      check_ttls: String(facts.localTtlCheckCount),
      checks: String(facts.localCheckCount),
      services: String(facts.localServiceCount),
    },
    build: { prerelease: '', revision: '', version: consulVersion, version_metadata: '', taxiway: taxiwayVersion },
    runtime: { arch: arch(), cpu_count: String(cpus().length), os: platform(), version: process.version, max_procs: String(cpus().length) },
    consul: server === undefined
      ? { acl: config.acl.enabled ? 'enabled' : 'disabled', known_servers: String(facts.knownServers), server: 'false' }
      : {
          acl: config.acl.enabled ? 'enabled' : 'disabled',
          bootstrap: String(config.bootstrap),
          known_datacenters: String(server.knownDatacenters),
          leader: String(server.isLeader),
          leader_addr: server.leaderAddress,
          server: 'true',
        },
  };
  if (server !== undefined) {
    out.raft = {
      applied_index: String(server.appliedIndex),
      commit_index: String(server.commitIndex),
      last_log_index: String(server.lastLogIndex),
      num_peers: String(Math.max(0, server.voters - 1)),
      protocol_version: '3',
      state: server.state,
      term: String(server.term),
      // A dev server runs a one-member in-memory log; a cluster server Raft over the segment WAL.
      log_backend: server.logBackend,
    };
  }
  return out;
}
