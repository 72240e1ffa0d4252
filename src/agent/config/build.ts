// Merged config → RuntimeConfig: fills what depends on other values, turns strings into typed
// values (durations, addresses, enums), checks each value against the source that set it, then
// hands the result to validate.ts for the rules that span several keys. Mirrors Consul's
// builder.build (agent/config/builder.go) for the keys taxiway supports.

import { decodeProviderConfig } from '../../connect/ca/provider-config.js';
import { isTaxiwayError } from '../../lib/errors.js';
import type { InterfaceTable } from './addresses.js';
import { buildDns } from './build-dns.js';
import { buildNetwork, buildPorts, buildSidecarPorts } from './build-network.js';
import { raftMultiplierMax } from './defaults.js';
import type { MergedConfig } from './merge.js';
import type { AclConfig, AclDownPolicy, AclPolicy, ConnectConfig, GossipTimingConfig, LogLevel, RuntimeConfig, UiConfig } from './runtime-config.js';
import { validateRuntimeConfig } from './validate.js';
import { datacenterName, defaulted, durationMs, encryptKeyValue, nodeIdValue, oneOf } from './values.js';

/** Facts about the host the builder needs, injectable so tests are exact. */
export interface HostFacts {
  /** The node name when none is configured (Consul: os.Hostname). */
  hostname(): string;
  /** Used only when binding to 0.0.0.0 or :: without an advertise address. */
  networkInterfaces(): InterfaceTable;
}

export interface BuildContext {
  readonly devMode: boolean;
  readonly host: HostFacts;
  /** Config files that were read, in merge order. */
  readonly sources: readonly string[];
}

export interface BuildResult {
  readonly config: RuntimeConfig;
  readonly warnings: string[];
}

const logLevels: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const aclPolicies: readonly AclPolicy[] = ['allow', 'deny'];
const aclDownPolicies: readonly AclDownPolicy[] = ['allow', 'deny', 'extend-cache', 'async-cache'];

export function buildRuntimeConfig(merged: MergedConfig, context: BuildContext): BuildResult {
  const { config, origins } = merged;
  const warnings: string[] = [];
  const serverMode = defaulted(config.server, 'server');
  const datacenter = datacenterName(origins, 'datacenter', defaulted(config.datacenter, 'datacenter'));
  const primaryDatacenter = config.primary_datacenter === undefined || config.primary_datacenter === ''
    ? datacenter
    : datacenterName(origins, 'primary_datacenter', config.primary_datacenter);
  const ports = buildPorts(merged);
  const bootstrapSettings = bootstrapValues(merged, context.devMode, serverMode, warnings);
  const enableScriptChecks = config.enable_script_checks ?? false;
  const runtime: RuntimeConfig = {
    devMode: context.devMode,
    datacenter,
    primaryDatacenter,
    nodeName: (config.node_name ?? context.host.hostname()).trim(),
    nodeId: nodeIdValue(origins, 'node_id', config.node_id),
    disableHostNodeId: defaulted(config.disable_host_node_id, 'disable_host_node_id'),
    serverMode,
    ...bootstrapSettings,
    dataDir: config.data_dir ?? '',
    pidFile: config.pid_file ?? '',
    ...buildNetwork(merged, ports, () => context.host.networkInterfaces(), warnings),
    ports,
    logLevel: oneOf(origins, 'log_level', defaulted(config.log_level, 'log_level'), logLevels),
    logJson: config.log_json ?? false,
    enableDebug: config.enable_debug ?? false,
    disableUpdateCheck: config.disable_update_check ?? false,
    ...buildDns(merged, datacenter),
    ...joinSettings(merged, serverMode),
    encryptKey: encryptKeyValue(origins, 'encrypt', config.encrypt),
    encryptVerifyIncoming: defaulted(config.encrypt_verify_incoming, 'encrypt_verify_incoming'),
    encryptVerifyOutgoing: defaulted(config.encrypt_verify_outgoing, 'encrypt_verify_outgoing'),
    gossipLan: gossipTiming(merged, 'gossip_lan'),
    gossipWan: gossipTiming(merged, 'gossip_wan'),
    nodeMeta: config.node_meta,
    acl: aclSettings(merged),
    connect: connectSettings(merged),
    sidecarPorts: buildSidecarPorts(merged),
    uiConfig: uiSettings(merged, warnings),
    limits: {
      httpMaxConnsPerClient: defaulted(config.limits.http_max_conns_per_client, 'limits.http_max_conns_per_client'),
      kvMaxValueBytes: defaulted(config.limits.kv_max_value_size, 'limits.kv_max_value_size'),
      txnMaxRequestBytes: defaulted(config.limits.txn_max_req_len, 'limits.txn_max_req_len'),
    },
    raftMultiplier: raftMultiplier(merged),
    checkUpdateIntervalMs: durationMs(origins, 'check_update_interval', config.check_update_interval),
    enableScriptChecks,
    enableLocalScriptChecks: config.enable_local_script_checks ?? enableScriptChecks,
    services: config.services,
    checks: config.checks,
    sources: [...context.sources],
  };
  validateRuntimeConfig(runtime, merged, warnings);
  return { config: deepFreeze(runtime), warnings };
}

/**
 * bootstrap_expect = 1 is bootstrap mode (Consul converts it and warns). In -dev a server elects
 * itself: Consul's server bootstraps on DevMode; taxiway states it as bootstrap = true.
 */
function bootstrapValues(merged: MergedConfig, devMode: boolean, serverMode: boolean, warnings: string[]): { bootstrap: boolean; bootstrapExpect: number } {
  const { config, origins } = merged;
  let bootstrap = defaulted(config.bootstrap, 'bootstrap');
  let bootstrapExpect = defaulted(config.bootstrap_expect, 'bootstrap_expect');
  if (bootstrapExpect < 0) origins.fail('bootstrap_expect', `expected 0 or more servers, got ${bootstrapExpect}`);
  if (bootstrapExpect === 1) {
    bootstrap = true;
    bootstrapExpect = 0;
    warnings.push('BootstrapExpect is set to 1; this is the same as Bootstrap mode.');
  }
  if (devMode && serverMode && bootstrapExpect === 0) bootstrap = true;
  return { bootstrap, bootstrapExpect };
}

function joinSettings({ config, origins }: MergedConfig, serverMode: boolean) {
  return {
    retryJoin: config.retry_join,
    retryJoinWan: config.retry_join_wan,
    startJoin: config.start_join,
    startJoinWan: config.start_join_wan,
    retryIntervalMs: durationMs(origins, 'retry_interval', config.retry_interval),
    retryIntervalWanMs: durationMs(origins, 'retry_interval_wan', config.retry_interval_wan),
    retryMaxAttempts: config.retry_max ?? 0,
    retryMaxAttemptsWan: config.retry_max_wan ?? 0,
    // Clients leave on SIGTERM and servers do not, unless told otherwise (Consul's defaults).
    leaveOnTerminate: config.leave_on_terminate ?? !serverMode,
    skipLeaveOnInterrupt: config.skip_leave_on_interrupt ?? serverMode,
  };
}

function aclSettings({ config, origins }: MergedConfig): AclConfig {
  const tokens = config.acl.tokens;
  return {
    enabled: defaulted(config.acl.enabled, 'acl.enabled'),
    defaultPolicy: oneOf(origins, 'acl.default_policy', defaulted(config.acl.default_policy, 'acl.default_policy'), aclPolicies),
    downPolicy: oneOf(origins, 'acl.down_policy', defaulted(config.acl.down_policy, 'acl.down_policy'), aclDownPolicies),
    tokens: {
      initialManagement: tokens.initial_management ?? '',
      default: tokens.default ?? '',
      agent: tokens.agent ?? '',
      agentRecovery: tokens.agent_recovery ?? '',
      replication: tokens.replication ?? '',
      configFileServiceRegistration: tokens.config_file_service_registration ?? '',
      dns: tokens.dns ?? '',
    },
  };
}

/** Consul's snake_case → CamelCase renames for the built-in CA's settings (builder.go TranslateKeys). */
const caConfigKeys: Readonly<Record<string, string>> = {
  private_key: 'PrivateKey',
  root_cert: 'RootCert',
  intermediate_cert_ttl: 'IntermediateCertTTL',
  leaf_cert_ttl: 'LeafCertTTL',
  root_cert_ttl: 'RootCertTTL',
  private_key_type: 'PrivateKeyType',
  private_key_bits: 'PrivateKeyBits',
  csr_max_per_second: 'CSRMaxPerSecond',
  csr_max_concurrent: 'CSRMaxConcurrent',
};

function connectSettings({ config, origins }: MergedConfig): ConnectConfig {
  const caProvider = config.connect.ca_provider ?? '';
  if (caProvider !== '' && caProvider !== 'consul') {
    origins.fail('connect.ca_provider', `expected "consul" (taxiway has only the built-in CA), got ${JSON.stringify(caProvider)}`);
  }
  const caConfig: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config.connect.ca_config)) {
    Object.defineProperty(caConfig, caConfigKeys[key] ?? key, { value, enumerable: true, writable: true, configurable: true });
  }
  try {
    // The leader decodes it again when it creates the CA; a bad value should stop the agent here.
    decodeProviderConfig(caConfig);
  } catch (error) {
    if (!isTaxiwayError(error)) throw error;
    origins.fail('connect.ca_config', error.message);
  }
  const intentionPolicy = config.default_intention_policy ?? '';
  const defaultIntentionPolicy = intentionPolicy === '' ? '' : oneOf(origins, 'default_intention_policy', intentionPolicy, aclPolicies);
  return { enabled: defaulted(config.connect.enabled, 'connect.enabled'), caProvider, caConfig, defaultIntentionPolicy };
}

function uiSettings({ config, origins }: MergedConfig, warnings: string[]): UiConfig {
  let enabled = config.ui_config.enabled;
  let dir = config.ui_config.dir;
  if (config.ui !== undefined) {
    warnings.push("The 'ui' field is deprecated. Use the 'ui_config.enabled' field instead.");
    enabled ??= config.ui;
  }
  if (config.ui_dir !== undefined) {
    warnings.push("The 'ui_dir' field is deprecated. Use the 'ui_config.dir' field instead.");
    dir ??= config.ui_dir;
  }
  const rawPath = config.ui_config.content_path ?? '';
  // Consul's UIPathBuilder: "ui" → "/ui/", "" → "/ui/".
  const contentPath = rawPath === '' ? '/ui/' : `/${rawPath.replace(/^\/+|\/+$/g, '')}/`;
  if (!/^[A-Za-z0-9/_-]+$/.test(contentPath) || /^\/v\d+\/$/.test(contentPath)) {
    origins.fail('ui_config.content_path', `expected a URL path of letters, digits, "-", "_" and "/" that is not an API version like /v1/, got ${JSON.stringify(rawPath)}`);
  }
  return { enabled: enabled ?? false, dir: dir ?? '', contentPath };
}

function raftMultiplier({ config, origins }: MergedConfig): number {
  const multiplier = defaulted(config.performance.raft_multiplier, 'performance.raft_multiplier');
  if (multiplier < 1 || multiplier > raftMultiplierMax) {
    origins.fail('performance.raft_multiplier', `expected an integer from 1 to ${raftMultiplierMax}, got ${multiplier}`);
  }
  return multiplier;
}

/** Freezes a plain tree of objects and arrays, so a RuntimeConfig cannot change under its readers. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}


/** gossip_lan / gossip_wan: durations parsed, counts checked positive; only keys that are set appear. */
function gossipTiming({ config, origins }: MergedConfig, path: 'gossip_lan' | 'gossip_wan'): GossipTimingConfig {
  const block = config[path];
  const count = (key: 'gossip_nodes' | 'retransmit_mult' | 'suspicion_mult'): number | undefined => {
    const value = block[key];
    if (value !== undefined && value <= 0) origins.fail(`${path}.${key}`, `expected a positive integer, got ${value}`);
    return value;
  };
  const duration = (key: 'gossip_interval' | 'probe_interval' | 'probe_timeout'): number | undefined => {
    const text = block[key];
    if (text === undefined) return undefined;
    const ms = durationMs(origins, `${path}.${key}`, text);
    if (ms <= 0) origins.fail(`${path}.${key}`, `expected a positive duration, got "${text}"`);
    return ms;
  };
  const timing = {
    gossipNodes: count('gossip_nodes'),
    gossipIntervalMs: duration('gossip_interval'),
    probeIntervalMs: duration('probe_interval'),
    probeTimeoutMs: duration('probe_timeout'),
    retransmitMult: count('retransmit_mult'),
    suspicionMult: count('suspicion_mult'),
  };
  return Object.fromEntries(Object.entries(timing).filter(([, value]) => value !== undefined));
}
