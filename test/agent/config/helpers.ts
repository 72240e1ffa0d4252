// Shared fixtures for the config tests: parse an agent command line exactly as the CLI does
// (single-dash normalisation + commander), pin the host facts, and make temp config files that
// are removed when the test ends.

import type { ExecutionContext } from 'ava';
import { Command } from 'commander';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { longOptionNamesOf, normalizeSingleDashFlags } from '../../../cmd/argv.js';
import {
  ConfigError,
  defineAgentFlags,
  flagsToConfigFragment,
  loadRuntimeConfig,
  type AgentFlags,
  type HostFacts,
  type LoadResult,
} from '../../../src/agent/config/index.js';

/** Parses `taxiway agent <args>` the way the CLI does. */
export function parseAgentArgs(args: readonly string[]): AgentFlags {
  const command = defineAgentFlags(new Command('agent')).exitOverride().configureOutput({ writeErr: () => undefined });
  const { names, takingValue } = longOptionNamesOf(command);
  command.parse(normalizeSingleDashFlags(args, names, takingValue), { from: 'user' });
  return flagsToConfigFragment(command.opts());
}

function ipv4(address: string): NetworkInterfaceInfo {
  return { address, family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: `${address}/24` };
}

/** A host named "test-node" with one private IPv4 address, 10.0.0.5, besides loopback. */
export const testHost: HostFacts = {
  hostname: () => 'test-node',
  networkInterfaces: () => ({ lo: [{ ...ipv4('127.0.0.1'), internal: true }], eth0: [ipv4('10.0.0.5')] }),
};

/** A host with two private IPv4 addresses, where binding to 0.0.0.0 needs -advertise. */
export const twoAddressHost: HostFacts = {
  hostname: () => 'test-node',
  networkInterfaces: () => ({ eth0: [ipv4('10.0.0.5')], eth1: [ipv4('192.168.1.7')] }),
};

export function load(args: readonly string[], host: HostFacts = testHost): Promise<LoadResult> {
  return loadRuntimeConfig({ flags: parseAgentArgs(args), host });
}

/** The one-line message of the ConfigError that loading `args` throws. */
export async function loadError(t: ExecutionContext, args: readonly string[], host: HostFacts = testHost): Promise<string> {
  const error = await t.throwsAsync(load(args, host), { instanceOf: ConfigError });
  t.false(error?.message.includes('\n'), 'a ConfigError message is one line');
  return error?.message ?? '';
}

/** A fresh directory under the OS temp dir, removed after the test. */
export async function tempDir(t: ExecutionContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'taxiway-config-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

/** Writes `files` (relative path → content) under a fresh temp dir; returns the dir. */
export async function configDir(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const directory = await tempDir(t);
  for (const [name, content] of Object.entries(files)) {
    const path = join(directory, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  return directory;
}
