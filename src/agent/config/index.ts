// Agent configuration: Consul's agent flags and Consul-style config files (JSON and HCL) → one
// validated, frozen RuntimeConfig.
//
//   argv ──cmd/argv.ts──► commander (defineAgentFlags) ──flagsToConfigFragment──► AgentFlags
//                                                                                    │
//   loadRuntimeConfig({ flags })                                                     ▼
//     1. load.ts     read -config-file / -config-dir paths in command-line order; a directory
//                    gives its *.json and *.hcl files in name order; parse.ts parses JSON or HCL
//     2. fragment.ts decode every source through file-schema.ts (weak typing, HCL blocks
//                    unwrapped); type errors and bad service/check definitions name their source;
//                    unknown keys become warnings
//     3. merge.ts    lay the sources over each other, recording who set each value:
//                      defaults < -dev defaults < list flags < files in order < other flags < -hcl
//                    (list-valued flags go first because lists append: Consul's builder does the
//                    same so that -retry-join comes before the files' retry_join)
//     4. build*.ts   fill derived values (advertise address, node name, primary datacenter, ...),
//                    parse durations, addresses and enums, each error naming its source and key
//     5. validate.ts rules across keys (bootstrap vs bootstrap_expect, data_dir, listener clashes)
//                    and warnings
//   → { config: RuntimeConfig (deeply frozen), warnings }   or   throw ConfigError (one line)
//
// Reload (/v1/agent/reload, SIGHUP): call reloadRuntimeConfig with the same options; it re-reads
// the files. If it throws, keep running on the old config.

import { hostname, networkInterfaces } from 'node:os';
import { stat } from 'node:fs/promises';
import { buildRuntimeConfig, type HostFacts } from './build.js';
import { defaultsFragment, devFragment } from './defaults.js';
import type { AgentFlags } from './flags.js';
import { decodeFragment, type ConfigFragment } from './fragment.js';
import { readConfigPaths } from './load.js';
import { mergeFragments, type Origins } from './merge.js';
import { parseConfigText } from './parse.js';
import type { RuntimeConfig } from './runtime-config.js';

export { ConfigError } from './config-error.js';
export { defineAgentFlags, flagsToConfigFragment, type AgentFlags } from './flags.js';
export type { ConfigFragment } from './fragment.js';
export type { ConfigPath } from './load.js';
export type { HostFacts } from './build.js';
export type * from './runtime-config.js';

export interface LoadOptions {
  /** The parsed command line (flagsToConfigFragment). */
  readonly flags: AgentFlags;
  /** Host facts; tests pin them, production uses node:os. */
  readonly host?: Partial<HostFacts>;
}

export interface LoadResult {
  readonly config: RuntimeConfig;
  /** For the agent to log at start: unknown keys, deprecated keys, risky settings. */
  readonly warnings: readonly string[];
}

/** Loads, merges and checks the configuration; throws ConfigError on the first bad value. */
export async function loadRuntimeConfig(options: LoadOptions): Promise<LoadResult> {
  const { flags } = options;
  const host: HostFacts = { hostname, networkInterfaces, ...options.host };
  const warnings: string[] = [];
  const files = await readConfigPaths(flags.configPaths, warnings);
  const hclFragments = flags.hclFragments.map((text, index): ConfigFragment => {
    const source = `-hcl #${index + 1}`;
    return { source, values: parseConfigText(text, 'hcl', source) };
  });
  const { listFlags, otherFlags } = splitListFlags(flags);
  const fragments = [defaultsFragment, ...(flags.devMode ? [devFragment] : []), listFlags, ...files.fragments, otherFlags, ...hclFragments];
  const merged = mergeFragments(fragments.map((fragment) => decodeFragment(fragment, warnings)));
  const built = buildRuntimeConfig(merged, { devMode: flags.devMode, host, sources: files.sources });
  if (!built.config.devMode) await checkDataDir(built.config.dataDir, merged.origins);
  return { config: built.config, warnings: [...warnings, ...built.warnings] };
}

/**
 * Builds the configuration again from the same flags, re-reading every file and directory; the
 * agent calls it on /v1/agent/reload and SIGHUP. A ConfigError leaves the caller's old config in
 * force. Which changed values take effect without a restart is the agent's decision.
 */
export function reloadRuntimeConfig(options: LoadOptions): Promise<LoadResult> {
  return loadRuntimeConfig(options);
}

/** Consul merges list-valued flags before the files so that lists keep command-line order first. */
function splitListFlags(flags: AgentFlags): { listFlags: ConfigFragment; otherFlags: ConfigFragment } {
  const lists: Record<string, unknown> = {};
  const others: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flags.values)) {
    if (Array.isArray(value)) lists[key] = value;
    else others[key] = value;
  }
  return {
    listFlags: { source: flags.source, values: lists, keyLabels: flags.keyLabels ?? {} },
    otherFlags: { source: flags.source, values: others, keyLabels: flags.keyLabels ?? {} },
  };
}

/** A data_dir that exists must be a directory; one that does not is created by the agent. */
async function checkDataDir(dataDir: string, origins: Origins): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dataDir)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (code === 'ENOENT') return;
    origins.fail('data_dir', `expected a usable directory, got ${JSON.stringify(dataDir)} (${code})`);
  }
  if (!isDirectory) origins.fail('data_dir', `expected a directory, got ${JSON.stringify(dataDir)}, which is not one`);
}
