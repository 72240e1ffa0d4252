// Which agent to talk to and as whom, from the command line and the environment. Precedence
// follows Consul's CLI (command/flags/http.go over api/api.go defaultConfig), with taxiway's own
// variables in front of Consul's so that both tools can be configured side by side:
//   address: -http-addr > TAXIWAY_HTTP_ADDR > CONSUL_HTTP_ADDR > 127.0.0.1:8500
//   token:   -token-file > -token > TAXIWAY_HTTP_TOKEN_FILE > TAXIWAY_HTTP_TOKEN
//            > CONSUL_HTTP_TOKEN_FILE > CONSUL_HTTP_TOKEN          (sent as X-Consul-Token)
//   https:   TAXIWAY_HTTP_SSL / CONSUL_HTTP_SSL=true make scheme-less addresses https
//   auth:    TAXIWAY_HTTP_AUTH / CONSUL_HTTP_AUTH="user[:password]" → HTTP basic auth
//   timeout: TAXIWAY_HTTP_TIMEOUT="10s" overrides the request timeout (taxiway only)

import { readFileSync } from 'node:fs';
import { parseGoDuration } from '../lib/duration.js';
import { parseAgentAddress, type AgentAddress, type HttpScheme } from './address.js';
import { ClientConfigError } from './api-error.js';
import { limits } from '../lib/limits.js';
import { parseGoBool } from '../lib/go-bool.js';

/** The connection flags shared by the client commands, as commander gives them. */
export interface ClientFlags {
  readonly httpAddr?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly datacenter?: string;
  readonly stale?: boolean;
}

export interface ClientConfig {
  readonly address: AgentAddress;
  /** "" sends no X-Consul-Token; the agent then uses its default token. */
  readonly token: string;
  /** "" leaves ?dc= off so the agent's own datacenter answers. */
  readonly datacenter: string;
  /** Reads may be served by any server (?stale) rather than only the leader. */
  readonly stale: boolean;
  /** Value of the Authorization header, or "" for none. */
  readonly authorization: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export type Environment = Readonly<Record<string, string | undefined>>;

const defaultAddress = '127.0.0.1:8500';

/**
 * Resolves the client configuration. Throws ClientConfigError for an unknown address scheme,
 * an unreadable token file or a bad TAXIWAY_HTTP_TIMEOUT.
 *
 * @param readTextFile injected so tests need no files; reads synchronously because this runs once,
 *   before any request, in a short-lived CLI process.
 */
export function resolveClientConfig(
  flags: ClientFlags,
  env: Environment = process.env,
  readTextFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ClientConfig {
  const scheme: HttpScheme = isTrue(firstSet(env.TAXIWAY_HTTP_SSL, env.CONSUL_HTTP_SSL)) ? 'https' : 'http';
  const addressText = firstSet(flags.httpAddr, env.TAXIWAY_HTTP_ADDR, env.CONSUL_HTTP_ADDR) ?? defaultAddress;
  return {
    address: parseAgentAddress(addressText, scheme),
    token: resolveToken(flags, env, readTextFile),
    datacenter: flags.datacenter ?? '',
    stale: flags.stale ?? false,
    authorization: basicAuthorization(firstSet(env.TAXIWAY_HTTP_AUTH, env.CONSUL_HTTP_AUTH)),
    connectTimeoutMs: limits.apiConnectTimeoutMs,
    requestTimeoutMs: requestTimeoutMs(env.TAXIWAY_HTTP_TIMEOUT),
  };
}

function resolveToken(flags: ClientFlags, env: Environment, readTextFile: (path: string) => string): string {
  const sources: [kind: 'file' | 'token', value: string | undefined][] = [
    ['file', flags.tokenFile],
    ['token', flags.token],
    ['file', env.TAXIWAY_HTTP_TOKEN_FILE],
    ['token', env.TAXIWAY_HTTP_TOKEN],
    ['file', env.CONSUL_HTTP_TOKEN_FILE],
    ['token', env.CONSUL_HTTP_TOKEN],
  ];
  for (const [kind, value] of sources) {
    if (value === undefined || value === '') continue;
    return kind === 'token' ? value : readTokenFile(value, readTextFile);
  }
  return '';
}

function readTokenFile(path: string, readTextFile: (path: string) => string): string {
  try {
    return readTextFile(path).trim();
  } catch (error) {
    // Consul's wording, including the space before the colon.
    throw new ClientConfigError(`Error loading token file ${path} : ${(error as Error).message}`);
  }
}

function requestTimeoutMs(text: string | undefined): number {
  if (text === undefined || text === '') return limits.apiRequestTimeoutMsDefault;
  const ms = parseGoDuration(text);
  if (ms === undefined || ms <= 0) throw new ClientConfigError(`TAXIWAY_HTTP_TIMEOUT: expected a duration such as "10s", got ${JSON.stringify(text)}`);
  return ms;
}

function basicAuthorization(text: string | undefined): string {
  if (text === undefined || text === '') return '';
  const colon = text.indexOf(':');
  const user = colon < 0 ? text : text.slice(0, colon);
  const password = colon < 0 ? '' : text.slice(colon + 1);
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The first value that is set and not empty (an empty variable counts as unset, as in Go). */
function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value !== '');
}

/** Go's strconv.ParseBool truths; anything else (including bad values) is false, as Consul ignores them. */
function isTrue(text: string | undefined): boolean {
  return text !== undefined && parseGoBool(text) === true;
}
