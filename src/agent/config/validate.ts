// The rules that span several keys, checked on the built RuntimeConfig, after every single value
// has been checked by the builder. Follows Consul's builder.validate (agent/config/builder.go):
// errors stop the agent (ConfigError naming the source and key), warnings are returned for the
// agent to log. The order of the checks is Consul's, so the same config fails the same way.

import { limits } from '../../lib/limits.js';
import type { MergedConfig } from './merge.js';
import type { RuntimeConfig } from './runtime-config.js';

/** Consul's dns.MaxLabelLength: a node name longer than one DNS label cannot be looked up. */
const dnsLabelBytesMax = 63;

export function validateRuntimeConfig(runtime: RuntimeConfig, merged: MergedConfig, warnings: string[]): void {
  const { origins } = merged;
  if (runtime.dataDir === '' && !runtime.devMode) {
    origins.fail('data_dir', 'expected a data directory (-data-dir or data_dir; only -dev runs without one), got nothing');
  }
  checkNodeName(runtime, merged, warnings);
  checkBootstrap(runtime, merged);
  if (!runtime.devMode && runtime.uiConfig.enabled && runtime.uiConfig.dir !== '') {
    origins.fail('ui_config.dir', 'expected either ui_config.enabled (the built-in UI) or ui_config.dir (your own UI files), got both');
  }
  checkNodeMeta(runtime, merged);
  checkListenersUnique(runtime, merged);
  addWarnings(runtime, merged, warnings);
}

function checkNodeName(runtime: RuntimeConfig, { origins }: MergedConfig, warnings: string[]): void {
  if (runtime.nodeName === '') origins.fail('node_name', 'expected a node name (-node or node_name), got nothing');
  if (/[^A-Za-z0-9-]/.test(runtime.nodeName)) {
    warnings.push(`Node name "${runtime.nodeName}" will not be discoverable via DNS due to invalid characters. Valid characters include all alpha-numerics and dashes.`);
  } else if (runtime.nodeName.length > dnsLabelBytesMax) {
    warnings.push(`Node name "${runtime.nodeName}" will not be discoverable via DNS due to it being too long. Valid lengths are between 1 and 63 bytes.`);
  }
}

function checkBootstrap(runtime: RuntimeConfig, { config, origins }: MergedConfig): void {
  const expect = runtime.bootstrapExpect;
  // bootstrap may have come from bootstrap_expect = 1; blame the key the user actually set.
  const bootstrapPath = config.bootstrap === true ? 'bootstrap' : 'bootstrap_expect';
  if (runtime.bootstrap && !runtime.serverMode) {
    origins.fail(bootstrapPath, 'expected server mode for bootstrap (-server or server = true), got a client agent');
  }
  if (expect > 0 && !runtime.serverMode) {
    origins.fail('bootstrap_expect', `expected server mode for bootstrap_expect (-server or server = true), got a client agent expecting ${expect} servers`);
  }
  if (expect > 0 && runtime.devMode) {
    origins.fail('bootstrap_expect', `expected no bootstrap_expect in -dev mode (a dev server elects itself), got ${expect}`);
  }
  if (expect > 0 && runtime.bootstrap) {
    origins.fail('bootstrap_expect', `expected either bootstrap or bootstrap_expect (they are mutually exclusive), got bootstrap and bootstrap_expect ${expect}`);
  }
}

/** Consul's structs.ValidateNodeMetadata, with the limits of src/lib/limits.ts. */
function checkNodeMeta(runtime: RuntimeConfig, { origins }: MergedConfig): void {
  const entries = Object.entries(runtime.nodeMeta);
  if (entries.length > limits.metaPairsMax) {
    origins.fail('node_meta', `expected at most ${limits.metaPairsMax} key/value pairs, got ${entries.length}`);
  }
  for (const [key, value] of entries) {
    const path = `node_meta.${key}`;
    if (!/^[a-zA-Z0-9_-]+$/.test(key)) origins.fail(path, `expected a key of letters, digits, "_" and "-", got ${JSON.stringify(key)}`);
    if (key.length > limits.metaKeyBytesMax) origins.fail(path, `expected a key of at most ${limits.metaKeyBytesMax} characters, got ${key.length}`);
    if (key.startsWith('consul-')) origins.fail(path, `expected a key not starting with "consul-" (reserved for internal use), got ${JSON.stringify(key)}`);
    if (value.length > limits.metaValueBytesMax) origins.fail(path, `expected a value of at most ${limits.metaValueBytesMax} characters, got ${value.length}`);
  }
}

/**
 * Two listeners on one ip:port cannot both bind; Consul refuses the config up front
 * ("HTTP address 127.0.0.1:8600 already configured for DNS"). taxiway adds the gRPC ports.
 */
function checkListenersUnique(runtime: RuntimeConfig, { origins }: MergedConfig): void {
  const { ports, listenAddresses: listen } = runtime;
  const listeners: { name: string; path: string; ips: readonly string[]; port: number }[] = [
    { name: 'DNS', path: 'ports.dns', ips: listen.dns, port: ports.dns },
    { name: 'HTTP', path: 'ports.http', ips: listen.http, port: ports.http },
    { name: 'HTTPS', path: 'ports.https', ips: listen.https, port: ports.https },
    { name: 'gRPC', path: 'ports.grpc', ips: listen.grpc, port: ports.grpc },
    { name: 'gRPC TLS', path: 'ports.grpc_tls', ips: listen.grpcTls, port: ports.grpcTls },
    { name: 'RPC advertise', path: 'ports.server', ips: [runtime.advertiseAddrLan], port: ports.server },
    { name: 'Serf LAN advertise', path: 'ports.serf_lan', ips: [runtime.advertiseAddrLan], port: ports.serfLan },
    { name: 'Serf WAN advertise', path: 'ports.serf_wan', ips: [runtime.advertiseAddrWan], port: ports.serfWan },
  ];
  const inUse = new Map<string, string>();
  for (const listener of listeners) {
    if (listener.port <= 0) continue;
    for (const ip of listener.ips) {
      const address = ip.includes(':') ? `[${ip}]:${listener.port}` : `${ip}:${listener.port}`;
      const other = inUse.get(address);
      if (other !== undefined) {
        origins.fail(listener.path, `expected a port no other listener uses, got ${listener.port} (the ${listener.name} address ${address} is already the ${other} address)`);
      }
      inUse.set(address, listener.name);
    }
  }
}

function addWarnings(runtime: RuntimeConfig, { config }: MergedConfig, warnings: string[]): void {
  const { serverMode, devMode, bootstrapExpect: expect } = runtime;
  if (serverMode && !devMode && !runtime.bootstrap && expect === 2) {
    warnings.push('bootstrap_expect = 2: A cluster with 2 servers will provide no failure tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table');
  }
  if (serverMode && !runtime.bootstrap && expect > 2 && expect % 2 === 0) {
    warnings.push('bootstrap_expect is even number: A cluster with an even number of servers does not achieve optimum fault tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table');
  }
  if (serverMode && config.bootstrap === true && expect === 0) warnings.push('bootstrap = true: do not enable unless necessary');
  if (serverMode && !devMode && !runtime.bootstrap && expect > 1) warnings.push(`bootstrap_expect > 0: expecting ${expect} servers`);
  if (runtime.enableScriptChecks && !runtime.acl.enabled) {
    warnings.push('using enable-script-checks without ACLs is DANGEROUS (any HTTP client can run commands on this host), use enable-local-script-checks instead');
  }
}
