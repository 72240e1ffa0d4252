// Agent: one taxiway process. Builds every component from the RuntimeConfig and owns the start
// and stop order:
//
//   start: server role (dev/bootstrap: leader of a one-node log, registers itself)
//        → health checks (they follow local state from here on) → API registrations persisted in
//        the data dir → services and checks from config files → LAN gossip pool (+ WAN on servers;
//        -join, -retry-join) → first sync of this node into the catalog → anti-entropy full sync
//        loop → HTTP API listeners → DNS listeners (UDP + TCP)
//   stop:  gossip pools closed (after a graceful leave when asked: leave()) → DNS listeners → HTTP listeners (blocking queries end) → health checks (runs aborted, sockets and
//        processes released) → anti-entropy and sync timers → pending persistence writes
//
// A server agent outside -dev replicates through Raft (src/server/cluster/) and its own calls pass
// the server's router. A client agent (no -server) calls servers over their RPC port, found through
// -join / -retry-join (src/rpc/servers-client.ts); without any, its catalog calls fail with
// "No known Consul servers" and its local API still works.

import type { Logger } from 'pino';
import { aclDisabled } from '../acl/authorizer.js';
import { DnsServer } from '../dns/server.js';
import { type HttpApi, startHttpApi } from '../http/server.js';
import type { Clock } from '../lib/clock.js';
import { checkLimits, limits } from '../lib/limits.js';
import type { Random } from '../lib/random.js';
import { InProcessClient } from '../rpc/in-process-client.js';
import type { RpcClient } from '../rpc/protocol.js';
import { ServersClient } from '../rpc/servers-client.js';
import { type ClusterOptions, defaultServerPort, rpcAddressOf } from '../server/cluster/cluster.js';
import { Server } from '../server/server.js';
import type { NodeContent } from '../structs/registration.js';
import { consulVersion } from '../version.js';
import { AntiEntropy } from '../health/anti-entropy.js';
import { HealthChecks } from '../health/checks.js';
import { LeafCerts } from './leaf-certs.js';
import { UserEvents } from './user-events.js';
import { CatalogSync } from './catalog-sync.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import type { DefinitionContext } from './definitions.js';
import { LocalState, type RegistrationSource } from './local-state.js';
import { resolveNodeId } from './node-id.js';
import { applyConfigRegistrations } from './config-registrations.js';
import { Persistence } from './persistence.js';
import { deregisterService } from './registrations.js';
import { agentSelf } from './self.js';
import { AgentGossip } from './gossip.js';
import { followGossipServers } from './server-discovery.js';

export interface AgentDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Re-reads the config files and flags the agent started with (for /v1/agent/reload and SIGHUP). */
  readonly reloadConfig: () => Promise<RuntimeConfig>;
  /** Asks the process to shut down (after `PUT /v1/agent/leave`); absent in tests. */
  readonly requestShutdown?: () => void;
}

export class Agent {
  readonly local = new LocalState();
  readonly server: Server | undefined;
  readonly rpc: RpcClient;
  /** A client agent's connection to the servers (undefined on a server). */
  readonly servers: ServersClient | undefined;
  readonly sync: CatalogSync;
  readonly events: UserEvents;
  /** Mesh leaf certificates of this agent's services, renewed before expiry. */
  readonly leafCerts: LeafCerts;
  readonly health: HealthChecks;
  readonly antiEntropy: AntiEntropy;
  /** Undefined without a data dir (dev mode): API registrations then live as long as the process. */
  readonly persistence: Persistence | undefined;
  private stopPersisting: (() => void) | undefined;
  /** The LAN gossip pool, once started (src/agent/gossip.ts). */
  gossip: AgentGossip | undefined;
  private stopFollowingServers: (() => void) | undefined;
  private http: HttpApi | undefined;
  private dns: DnsServer | undefined;

  static async create(config: RuntimeConfig, deps: AgentDeps): Promise<Agent> {
    checkLimits();
    return new Agent(config, await resolveNodeId(config.nodeId, config.dataDir, deps.random), deps);
  }

  private constructor(
    private currentConfig: RuntimeConfig,
    readonly nodeId: string,
    readonly deps: AgentDeps,
  ) {
    const { clock, random, logger } = deps;
    if (currentConfig.serverMode) {
      this.server = new Server({
        datacenter: currentConfig.datacenter,
        self: { nodeName: currentConfig.nodeName, nodeId, address: currentConfig.advertiseAddrLan, serverPort: currentConfig.ports.server },
        clock,
        random,
        acl: aclDisabled,
        connect: { enabled: currentConfig.connect.enabled, initialConfig: currentConfig.connect.caConfig },
        ...(currentConfig.devMode ? {} : { cluster: clusterOptions(currentConfig, logger) }),
        onBackgroundError: (error, what) => logger.error({ err: error }, `server: ${what} failed`),
      });
      this.rpc = new InProcessClient(this.server.rpcHandlers);
      this.servers = undefined;
    } else {
      this.server = undefined;
      this.servers = new ServersClient({ datacenter: currentConfig.datacenter, joinAddresses: joinAddresses(currentConfig), clock, random, logger });
      this.rpc = this.servers;
    }
    this.events = new UserEvents({ random, nodeName: () => this.currentConfig.nodeName, services: () => this.local.services().map(({ service }) => service) });
    this.leafCerts = new LeafCerts({
      rpc: this.rpc,
      clock,
      random,
      logger,
      datacenter: () => this.currentConfig.datacenter,
      domain: () => this.currentConfig.dnsDomain.replace(/\.$/, ''),
    });
    const agentToken = (): string => this.currentConfig.acl.tokens.agent;
    const node = (): NodeContent => this.nodeContent();
    this.sync = new CatalogSync({ rpc: this.rpc, local: this.local, node, agentToken, clock, random, logger, checkUpdateIntervalMs: () => this.currentConfig.checkUpdateIntervalMs });
    this.health = new HealthChecks({
      local: this.local,
      sync: this.sync,
      rpc: this.rpc,
      clock,
      random,
      logger,
      nodeName: () => this.currentConfig.nodeName,
      datacenter: () => this.currentConfig.datacenter,
      agentToken,
      deregisterService: (serviceId) => deregisterService(this, serviceId),
    });
    // Consul scales by LAN members; until gossip brings them, a server counts the catalog's nodes
    // and a client (no server to count on) takes itself alone.
    const clusterSize = (): number => this.gossip?.lan.members().filter((member) => member.status === 'alive').length ?? this.server?.store.nodes.size ?? 1;
    const checkUpdateIntervalMs = (): number => this.currentConfig.checkUpdateIntervalMs;
    this.antiEntropy = new AntiEntropy({ rpc: this.rpc, local: this.local, sync: this.sync, node, agentToken, checkUpdateIntervalMs, clusterSize, clock, random, logger });
    this.persistence = currentConfig.dataDir === '' || currentConfig.devMode ? undefined : new Persistence(currentConfig.dataDir, this.local, logger, clock);
  }

  get config(): RuntimeConfig {
    return this.currentConfig;
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  async start(): Promise<void> {
    await this.server?.start();
    this.servers?.start();
    this.health.start();
    if (this.persistence !== undefined) {
      const restored = await this.persistence.restore();
      if (restored.services + restored.checks > 0) this.deps.logger.info(restored, 'restored services and checks registered through the API');
      this.stopPersisting = this.persistence.watch();
    }
    applyConfigRegistrations(this, this.currentConfig);
    await this.startGossip();
    // A dev server leads at once, so its first sync lands before the API answers. In a cluster the
    // servers may still be electing (or this client looking for them): the API must answer
    // meanwhile, and the sync's own retries and anti-entropy bring the catalog in step.
    const firstSync = this.sync.syncChanges();
    if (this.config.devMode) await firstSync;
    else firstSync.catch((error: unknown) => this.deps.logger.debug({ err: error }, 'first sync failed; anti-entropy retries'));
    this.antiEntropy.start();
    const { config } = this;
    if (config.ports.http > 0) {
      this.http = await startHttpApi(this, {
        addresses: config.listenAddresses.http,
        port: config.ports.http,
        caps: { perClient: config.limits.httpMaxConnsPerClient, total: limits.httpConnectionsMax },
      });
    }
    if (config.ports.dns > 0) await this.startDns();
  }

  /** Joins the LAN pool; user events then travel by gossip and a server's leader follows its members. */
  private async startGossip(): Promise<void> {
    const { clock, random, logger } = this.deps;
    this.gossip = await AgentGossip.start(this.config, { clock, random, logger, nodeId: this.nodeId, onUserEvent: (event) => this.events.ingest(event) });
    const gossip = this.gossip;
    this.events.transport = (event, payload) => gossip.fireUserEvent(event, payload);
    this.server?.followMembers(gossip.memberSource);
    const datacenter = this.config.datacenter;
    this.stopFollowingServers = followGossipServers(gossip.memberSource, datacenter, (server) => {
      if (server.id === this.nodeId) return;
      this.server?.serverFound(server);
      this.servers?.serverFound(server.address);
    });
  }

  /** Graceful leave of the gossip pool (others see "left"; a server's leader deregisters this node). */
  async leave(): Promise<void> {
    await this.gossip?.leave();
    this.deps.requestShutdown?.();
  }

  private async startDns(): Promise<void> {
    const { clock, random, logger } = this.deps;
    this.dns = await DnsServer.start(
      {
        rpc: this.rpc,
        random,
        clock,
        logger,
        nowMs: () => clock.nowMs(),
        cacheEpoch: () => this.server?.store.lastIndex,
        settings: () => {
          const config = this.currentConfig;
          return {
            datacenter: config.datacenter,
            nodeName: config.nodeName,
            domain: config.dnsDomain,
            altDomain: config.dnsAltDomain,
            recursors: config.dnsRecursors,
            token: config.acl.tokens.dns,
            config: config.dnsConfig,
          };
        },
      },
      { addresses: this.config.listenAddresses.dns, port: this.config.ports.dns },
    );
  }

  /** Where DNS listens ("127.0.0.1:8600", UDP and TCP), once started. */
  get dnsAddresses(): readonly string[] {
    return this.dns?.addresses ?? [];
  }

  /** Where the HTTP API listens ("127.0.0.1:8500"), once started. */
  get httpAddresses(): readonly string[] {
    return this.http?.addresses ?? [];
  }

  async stop(): Promise<void> {
    this.stopFollowingServers?.();
    await this.gossip?.stop();
    await this.dns?.close();
    await this.http?.close();
    await this.health.stop();
    this.antiEntropy.stop();
    this.sync.stop();
    this.leafCerts.stop();
    this.stopPersisting?.();
    await this.persistence?.flush();
    await this.servers?.stop();
    await this.server?.stop();
  }

  /** Re-reads the configuration: registrations from config files, log level and limits change; the rest needs a restart. */
  async reload(): Promise<void> {
    const next = await this.deps.reloadConfig();
    applyConfigRegistrations(this, next);
    this.currentConfig = next;
    // Node meta may have changed with the files.
    this.local.nodeChanged();
    await this.sync.syncChanges();
    this.deps.logger.level = next.logLevel;
    this.http?.setCaps({ perClient: next.limits.httpMaxConnsPerClient, total: limits.httpConnectionsMax });
    this.deps.logger.info({ sources: next.sources }, 'configuration reloaded');
  }

  /** This node as the catalog should show it. */
  nodeContent(): NodeContent {
    const { config } = this;
    return {
      ID: this.nodeId,
      Node: config.nodeName,
      Address: config.advertiseAddrLan,
      Datacenter: config.datacenter,
      TaggedAddresses: config.taggedAddresses,
      Meta: this.nodeMeta(),
    };
  }

  nodeMeta(): Record<string, string> {
    return { ...this.config.nodeMeta, 'consul-network-segment': '', 'consul-version': consulVersion };
  }

  definitionContext(source: RegistrationSource): DefinitionContext {
    const { config } = this;
    return { nodeName: config.nodeName, source, enableScriptChecks: config.enableScriptChecks, enableLocalScriptChecks: config.enableLocalScriptChecks, sidecarPorts: config.sidecarPorts };
  }

  self(): Record<string, unknown> {
    const checks = this.local.checks();
    return agentSelf({
      config: this.config,
      nodeId: this.nodeId,
      nodeMeta: this.nodeMeta(),
      localServiceCount: this.local.services().length,
      localCheckCount: checks.length,
      localTtlCheckCount: checks.filter((check) => check.check.Type === 'ttl').length,
      server:
        this.server === undefined
          ? undefined
          : this.server.facts(),
      knownServers: this.server === undefined ? (this.servers?.knownServers().length ?? 0) : Math.max(1, this.server.context.cluster.peers().length),
    });
  }
}

/** -join and -retry-join addresses as host:port of a server's RPC port (default port 8300). */
function joinAddresses(config: RuntimeConfig): string[] {
  return [...config.startJoin, ...config.retryJoin].map((address) => rpcAddressOf(address, defaultServerPort));
}

function clusterOptions(config: RuntimeConfig, logger: Logger): ClusterOptions {
  return {
    dataDir: config.dataDir,
    bindHost: config.bindAddr,
    advertiseHost: config.advertiseAddrLan,
    port: config.ports.server,
    bootstrap: config.bootstrap,
    bootstrapExpect: config.bootstrapExpect,
    joinAddresses: joinAddresses(config),
    retryIntervalMs: config.retryIntervalMs,
    logger,
  };
}
