// A client of the agent's HTTP API, for taxiway's own tools: the CLI commands (cmd/commands/),
// and later the built-in proxy's config watcher.
//
//   flags + environment ──client-config.ts──► ClientConfig (address.ts parses -http-addr)
//                                                  │
//   catalog.ts / agent.ts (typed endpoints) ──► client.ts ApiClient.send ──undici──► agent
//                                                  │   query.ts: options → ?dc&stale&index&wait…
//                                                  │             headers → QueryMeta
//                                                  ▼
//   { value, meta }   or   ApiError (non-200, "Unexpected response code: <code> (<body>)")
//                      or  TransportError (no answer: refused, timed out, unreadable)
//                      or  ClientConfigError (before any request: bad scheme, token file)
//
//   Built on the typed endpoints (kv.ts, session.ts, event.ts), with time from a Clock:
//     lock.ts       KvLock: Consul's api.Lock on one key (session + renewal in session-renewal.ts)
//     semaphore.ts  KvSemaphore: Consul's api.Semaphore on a prefix (lock-options.ts: shared)
//     watch.ts      runWatch: Consul's watch plan loop over the types in watch-types.ts
//
// Bounds (timeouts, body sizes) are in src/lib/limits.ts.

export { parseAgentAddress, type AgentAddress } from './address.js';
export { ApiError, ClientConfigError, TransportError } from './api-error.js';
export { ApiClient, pathSegment, type HttpMethod, type QueryResult, type RawResponse, type RequestOptions, type WriteResult } from './client.js';
export { resolveClientConfig, type ClientConfig, type ClientFlags, type Environment } from './client-config.js';
export type { QueryMeta, QueryOptions } from './query.js';
export * from './agent.js';
export * from './members.js';
export * from './catalog.js';
export * from './event.js';
export * from './go-json.js';
export * from './kv.js';
export * from './lock.js';
export { LockError, lockRetryMsDefault, lockSessionTtlDefault, lockWaitMsDefault, type ContenderOptions, type LockDeps } from './lock-options.js';
export * from './semaphore.js';
export * from './session.js';
export * from './snapshot.js';
export * from './watch.js';
export { parseWatchParams, type WatchInput, type WatchParams, type WatchType } from './watch-types.js';

import { ApiClient } from './client.js';
import { resolveClientConfig, type ClientFlags, type Environment } from './client-config.js';

/** A client for the given flags and environment; throws ClientConfigError before any I/O. */
export function createApiClient(flags: ClientFlags, env?: Environment): ApiClient {
  return new ApiClient(resolveClientConfig(flags, env));
}
