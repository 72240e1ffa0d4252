// Where the agent's HTTP API is, from the text users give in -http-addr or CONSUL_HTTP_ADDR. The
// rules are Consul's api client's (api/api.go NewClient), so the same values work for both:
//   "127.0.0.1:8500"              host:port, with the default scheme (http, or https when asked)
//   "http://host:8500[/prefix]"   http; never downgrades a default of https
//   "https://host:8501[/prefix]"  https
//   "unix:///run/consul.sock"     HTTP over a unix socket
// A path after host:port is a reverse-proxy prefix: requests go to <prefix>/v1/....

import { ClientConfigError } from './api-error.js';

export type HttpScheme = 'http' | 'https';

export type AgentAddress =
  | {
      readonly kind: 'tcp';
      readonly scheme: HttpScheme;
      /** "host:port" (or "[v6]:port", or a bare host for the scheme's default port). */
      readonly host: string;
      /** "" or a path starting with "/" and not ending with one, e.g. "/consul". */
      readonly pathPrefix: string;
    }
  | { readonly kind: 'unix'; readonly socketPath: string };

/**
 * Parses an agent address. `defaultScheme` is the scheme of an address without one (https when
 * CONSUL_HTTP_SSL is true). Throws ClientConfigError `Unknown protocol scheme: <x>`, as Consul.
 */
export function parseAgentAddress(text: string, defaultScheme: HttpScheme): AgentAddress {
  const separator = text.indexOf('://');
  if (separator < 0) return { kind: 'tcp', scheme: defaultScheme, host: text, pathPrefix: '' };
  const scheme = text.slice(0, separator);
  const rest = text.slice(separator + 3);
  switch (scheme) {
    case 'unix':
      return { kind: 'unix', socketPath: rest };
    case 'http':
    case 'https': {
      // "http" keeps an https default: an address must not silently turn TLS off.
      const effective: HttpScheme = scheme === 'https' ? 'https' : defaultScheme;
      const slash = rest.indexOf('/');
      if (slash < 0) return { kind: 'tcp', scheme: effective, host: rest, pathPrefix: '' };
      return { kind: 'tcp', scheme: effective, host: rest.slice(0, slash), pathPrefix: rest.slice(slash).replace(/\/+$/, '') };
    }
    default:
      throw new ClientConfigError(`Unknown protocol scheme: ${scheme}`);
  }
}

/** The base URL requests are built on; a unix socket gets Consul's placeholder host "localhost". */
export function baseUrlOf(address: AgentAddress): string {
  if (address.kind === 'unix') return 'http://localhost';
  return `${address.scheme}://${address.host}${address.pathPrefix}`;
}
