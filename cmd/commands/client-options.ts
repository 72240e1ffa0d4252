// What every client command shares: the connection flags (Consul's HTTPFlags: -http-addr, -token,
// -token-file, and for commands that read the catalog -datacenter and -stale), building the API
// client from them, and reporting a failure as Consul does: one line on stderr, exit status 1.

import type { Command } from 'commander';
import { ClientConfigError, createApiClient, type ApiClient, type ClientFlags } from '../../src/api/index.js';

export interface ConnectionFlagOptions {
  /** Adds -datacenter and -stale (Consul's ServerFlags), for commands whose reads go to servers. */
  readonly server: boolean;
}

/** Declares the connection flags on a command; single-dash spellings work through cmd/argv.ts. */
export function addConnectionFlags(command: Command, options: ConnectionFlagOptions): Command {
  command
    .option('--http-addr <address>', 'The address of the agent\'s HTTP API: host:port, http(s)://host:port[/prefix] or unix:///path (env TAXIWAY_HTTP_ADDR, CONSUL_HTTP_ADDR; default 127.0.0.1:8500)')
    .option('--token <token>', 'ACL token to use in the request (env TAXIWAY_HTTP_TOKEN, CONSUL_HTTP_TOKEN)')
    .option('--token-file <path>', 'File holding the ACL token; wins over -token (env TAXIWAY_HTTP_TOKEN_FILE, CONSUL_HTTP_TOKEN_FILE)');
  if (options.server) {
    command
      .option('--datacenter <name>', 'Name of the datacenter to query (default: the agent\'s)')
      .option('--stale', 'Allow any server to answer the read, not only the leader');
  }
  return command;
}

/**
 * Runs `body` with a client built from the command's flags and the environment, and closes the
 * client afterwards. A bad address or token file is reported as Consul reports it
 * (`Error connecting to Consul agent: ...`) and `body` is not run.
 */
export async function withApiClient(flags: ClientFlags, body: (client: ApiClient) => Promise<void>): Promise<void> {
  let client: ApiClient;
  try {
    client = createApiClient(flags);
  } catch (error) {
    if (!(error instanceof ClientConfigError)) throw error;
    fail(`Error connecting to Consul agent: ${error.message}`);
    return;
  }
  try {
    await body(client);
  } finally {
    await client.close();
  }
}

/** Reports a failed command: the message as one line on stderr, and exit status 1. */
export function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

/** The message of anything thrown; ApiError and TransportError messages are already one line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Writes lines to stdout, each ending in a newline, as Consul's UI.Output. */
export function output(...lines: string[]): void {
  process.stdout.write(lines.map((line) => `${line}\n`).join(''));
}

/** commander's collector for repeatable flags (-tag a -tag b). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Parses repeated `key=value` flags into a map, later pairs winning, as Consul's FlagMapValue.
 * Returns the one-line flag error for a pair without "=".
 */
export function parseKeyValueFlags(flag: string, pairs: readonly string[]): { map: Record<string, string> } | { error: string } {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals < 0) return { error: `invalid value ${JSON.stringify(pair)} for flag -${flag}: Missing "=" value in argument: ${pair}` };
    Object.defineProperty(map, pair.slice(0, equals), { value: pair.slice(equals + 1), enumerable: true, writable: true, configurable: true });
  }
  return { map };
}

/** Consul's check for commands that take no arguments. Returns false (after reporting) when there are some. */
export function expectNoArguments(command: Command): boolean {
  if (command.args.length === 0) return true;
  fail(`Too many arguments (expected 0, got ${command.args.length})`);
  return false;
}
