// The `taxiway agent` flags: Consul's agent flags (agent/config/flags.go) declared once in a
// table that says which config-file key each one sets. defineAgentFlags adds them to a commander
// Command; flagsToConfigFragment turns what commander parsed into a ConfigFragment in config-file
// keys, so that flags are decoded, checked and merged exactly like a file, with errors naming the
// flag ("command line: -http-port: expected an integer, got "x"").
//
// Values stay strings here: a flag's type is checked by the same decoder as a file's. Booleans take
// an optional value so that Go's `-server=false` works; a bare `-server` means true.

import { Command, Option } from 'commander';
import type { ConfigFragment } from './fragment.js';
import type { ConfigPath } from './load.js';
import { ConfigError } from './config-error.js';
import { parseGoBool } from '../../lib/go-bool.js';

type FlagKind = 'value' | 'bool' | 'list' | 'map';

interface FlagSpec {
  /** The flag without dashes, as Consul spells it. */
  readonly name: string;
  /** The config-file key it sets, dotted for nested keys. */
  readonly path: string;
  readonly kind: FlagKind;
  /** Placeholder shown in help for the value. */
  readonly argument?: string;
  readonly description: string;
}

/** Flags that set a config-file key, in Consul's (alphabetical) order. */
const configFlags: readonly FlagSpec[] = [
  { name: 'advertise', path: 'advertise_addr', kind: 'value', argument: 'ip', description: 'address other agents reach this one at' },
  { name: 'advertise-wan', path: 'advertise_addr_wan', kind: 'value', argument: 'ip', description: 'address advertised to other datacenters (default: -advertise)' },
  { name: 'alt-domain', path: 'alt_domain', kind: 'value', argument: 'domain', description: 'second DNS domain answered besides -domain' },
  { name: 'bind', path: 'bind_addr', kind: 'value', argument: 'ip', description: 'address for cluster traffic (gossip, server RPC)' },
  { name: 'bootstrap', path: 'bootstrap', kind: 'bool', description: 'let this server elect itself without waiting for others' },
  { name: 'bootstrap-expect', path: 'bootstrap_expect', kind: 'value', argument: 'n', description: 'servers to wait for before the first election' },
  { name: 'client', path: 'client_addr', kind: 'value', argument: 'ips', description: 'space-separated addresses for the HTTP, DNS and gRPC listeners' },
  { name: 'data-dir', path: 'data_dir', kind: 'value', argument: 'path', description: 'directory for agent state (not needed with -dev)' },
  { name: 'datacenter', path: 'datacenter', kind: 'value', argument: 'name', description: 'datacenter of this agent (default "dc1")' },
  { name: 'disable-host-node-id', path: 'disable_host_node_id', kind: 'bool', description: 'generate a random node ID instead of deriving one from the host' },
  { name: 'dns-port', path: 'ports.dns', kind: 'value', argument: 'port', description: 'DNS port, -1 to disable (default 8600)' },
  { name: 'domain', path: 'domain', kind: 'value', argument: 'domain', description: 'DNS domain answered (default "consul.")' },
  { name: 'enable-local-script-checks', path: 'enable_local_script_checks', kind: 'bool', description: 'allow script checks defined in config files' },
  { name: 'enable-script-checks', path: 'enable_script_checks', kind: 'bool', description: 'allow script checks from the HTTP API too (dangerous without ACLs)' },
  { name: 'encrypt', path: 'encrypt', kind: 'value', argument: 'key', description: 'base64 gossip encryption key of 16, 24 or 32 bytes' },
  { name: 'grpc-port', path: 'ports.grpc', kind: 'value', argument: 'port', description: 'plain-text gRPC (xDS) port, -1 to disable' },
  { name: 'grpc-tls-port', path: 'ports.grpc_tls', kind: 'value', argument: 'port', description: 'gRPC over TLS port, -1 to disable' },
  { name: 'http-port', path: 'ports.http', kind: 'value', argument: 'port', description: 'HTTP API port, -1 to disable (default 8500)' },
  { name: 'https-port', path: 'ports.https', kind: 'value', argument: 'port', description: 'HTTPS API port (default -1, off)' },
  { name: 'join', path: 'start_join', kind: 'list', argument: 'addr', description: 'agent to join at start (repeatable)' },
  { name: 'join-wan', path: 'start_join_wan', kind: 'list', argument: 'addr', description: 'server in another datacenter to join at start (repeatable)' },
  { name: 'log-json', path: 'log_json', kind: 'bool', description: 'write logs as JSON' },
  { name: 'log-level', path: 'log_level', kind: 'value', argument: 'level', description: 'trace, debug, info, warn or error (default info)' },
  { name: 'node', path: 'node_name', kind: 'value', argument: 'name', description: 'node name, unique in the cluster (default: host name)' },
  { name: 'node-id', path: 'node_id', kind: 'value', argument: 'uuid', description: 'node ID, a UUID (default: generated and kept in -data-dir)' },
  { name: 'node-meta', path: 'node_meta', kind: 'map', argument: 'key:value', description: 'node metadata pair (repeatable)' },
  { name: 'pid-file', path: 'pid_file', kind: 'value', argument: 'path', description: 'file to write the agent PID to' },
  { name: 'recursor', path: 'recursors', kind: 'list', argument: 'ip[:port]', description: 'upstream DNS server for names outside the domain (repeatable)' },
  { name: 'retry-interval', path: 'retry_interval', kind: 'value', argument: 'duration', description: 'wait between join attempts (default 30s)' },
  { name: 'retry-interval-wan', path: 'retry_interval_wan', kind: 'value', argument: 'duration', description: 'wait between WAN join attempts (default 30s)' },
  { name: 'retry-join', path: 'retry_join', kind: 'list', argument: 'addr', description: 'agent to join, retrying until it works (repeatable)' },
  { name: 'retry-join-wan', path: 'retry_join_wan', kind: 'list', argument: 'addr', description: 'server in another datacenter to join, retrying (repeatable)' },
  { name: 'retry-max', path: 'retry_max', kind: 'value', argument: 'n', description: 'join attempts before giving up, 0 = for ever' },
  { name: 'retry-max-wan', path: 'retry_max_wan', kind: 'value', argument: 'n', description: 'WAN join attempts before giving up, 0 = for ever' },
  { name: 'serf-lan-port', path: 'ports.serf_lan', kind: 'value', argument: 'port', description: 'LAN gossip port (default 8301)' },
  { name: 'serf-wan-port', path: 'ports.serf_wan', kind: 'value', argument: 'port', description: 'WAN gossip port, -1 to disable (default 8302)' },
  { name: 'server', path: 'server', kind: 'bool', description: 'run as a server (store the catalog, take part in raft)' },
  { name: 'server-port', path: 'ports.server', kind: 'value', argument: 'port', description: 'server RPC port (default 8300)' },
  { name: 'ui', path: 'ui_config.enabled', kind: 'bool', description: 'serve the web UI' },
  { name: 'ui-content-path', path: 'ui_config.content_path', kind: 'value', argument: 'path', description: 'URL path of the web UI (default /ui/)' },
  { name: 'ui-dir', path: 'ui_config.dir', kind: 'value', argument: 'path', description: 'serve the web UI from this directory' },
];

/** What the agent command line says: flag values in config-file keys, plus what is not a key. */
export interface AgentFlags extends ConfigFragment {
  /** -dev: in-memory server with development defaults. */
  readonly devMode: boolean;
  /** -config-file and -config-dir arguments in command-line order. */
  readonly configPaths: readonly ConfigPath[];
  /** -hcl arguments, each an HCL fragment merged after everything else. */
  readonly hclFragments: readonly string[];
}

/** A -config-file/-config-dir value with its position among both flags, to keep their order. */
interface OrderedPath extends ConfigPath {
  readonly position: number;
}

const collect = (value: string, previous: unknown): string[] => [...(Array.isArray(previous) ? (previous as string[]) : []), value];

/** Adds the agent flags to `command` (long options; see cmd/argv.ts for Consul's single dash). */
export function defineAgentFlags(command: Command): Command {
  for (const spec of configFlags) {
    const placeholder = spec.kind === 'bool' ? '[bool]' : `<${spec.argument ?? 'value'}>`;
    const option = new Option(`--${spec.name} ${placeholder}`, spec.description);
    if (spec.kind === 'list' || spec.kind === 'map') option.argParser(collect);
    command.addOption(option);
  }
  // Both path flags share one counter so that their relative order survives commander's split
  // into two arrays: Consul reads files and directories in the order the command line gives.
  let position = 0;
  const collectPath = (flag: ConfigPath['flag']) => (path: string, previous: unknown): OrderedPath[] => [
    ...(Array.isArray(previous) ? (previous as OrderedPath[]) : []),
    { flag, path, position: position++ },
  ];
  command.addOption(new Option('--dev [bool]', 'development mode: in-memory server on 127.0.0.1 with the UI and mesh on'));
  command.addOption(new Option('--config-file <path>', 'JSON or HCL config file (repeatable)').argParser(collectPath('-config-file')));
  command.addOption(new Option('--config-dir <path>', 'directory of *.json and *.hcl config files, read in name order (repeatable)').argParser(collectPath('-config-dir')));
  command.addOption(new Option('--hcl <text>', 'HCL config fragment applied after all files and flags (repeatable)').argParser(collect));
  return command;
}

/** Commander's attribute name for a long option: "http-port" → "httpPort". */
function attributeName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * Turns commander's parsed options (command.opts()) into AgentFlags. Throws a ConfigError only for
 * a -dev value that is not a boolean; every other value is checked later, by loadRuntimeConfig.
 */
export function flagsToConfigFragment(opts: Readonly<Record<string, unknown>>): AgentFlags {
  const values: Record<string, unknown> = {};
  const keyLabels: Record<string, string> = {};
  for (const spec of configFlags) {
    const value = opts[attributeName(spec.name)];
    if (value === undefined) continue;
    keyLabels[spec.path] = `-${spec.name}`;
    setPath(values, spec.path, spec.kind === 'map' ? keyValuePairs(value) : value);
  }
  return {
    source: 'command line',
    values,
    keyLabels,
    devMode: devModeOf(opts.dev),
    configPaths: orderedPaths(opts.configFile, opts.configDir),
    hclFragments: Array.isArray(opts.hcl) ? (opts.hcl as string[]) : [],
  };
}

/** Go's flag.Value for maps: "key:value", a missing ":" giving an empty value (flagset.go). */
function keyValuePairs(value: unknown): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const pair of Array.isArray(value) ? (value as string[]) : [String(value)]) {
    const cut = pair.indexOf(':');
    const key = cut === -1 ? pair : pair.slice(0, cut);
    Object.defineProperty(pairs, key, { value: cut === -1 ? '' : pair.slice(cut + 1), enumerable: true, writable: true, configurable: true });
  }
  return pairs;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Go's strconv.ParseBool spellings, which `-dev=...` accepts. */
function devModeOf(value: unknown): boolean {
  if (value === undefined) return false;
  if (value === true) return true;
  const parsed = typeof value === 'string' ? parseGoBool(value) : undefined;
  if (parsed !== undefined) return parsed;
  throw new ConfigError('command line', '-dev', `expected true or false, got ${JSON.stringify(value)}`);
}

/** Paths in command-line order; plain strings (options built by hand) go files first, then directories. */
function orderedPaths(files: unknown, directories: unknown): ConfigPath[] {
  const toPaths = (value: unknown, flag: ConfigPath['flag'], unorderedBase: number): OrderedPath[] =>
    (Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value]).map((item, index) =>
      typeof item === 'string' ? { flag, path: item, position: unorderedBase + index } : (item as OrderedPath),
    );
  const unorderedBase = 1e12;
  return [...toPaths(files, '-config-file', unorderedBase), ...toPaths(directories, '-config-dir', 2 * unorderedBase)]
    .sort((a, b) => a.position - b.position)
    .map(({ flag, path }) => ({ flag, path }));
}
