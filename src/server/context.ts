// What every server endpoint needs: the state, the log to write through, who leads, time and chance for
// blocking queries, the ACL hook, and who this server is.

import type { AclResolver } from '../acl/authorizer.js';
import type { StateStore } from '../catalog/store.js';
import type { Clock } from '../lib/clock.js';
import type { Random } from '../lib/random.js';
import type { CommandLog } from './command-log.js';
import type { Leadership } from './leadership.js';

export interface ServerContext {
  readonly store: StateStore;
  readonly log: CommandLog;
  /** Who leads: for QueryMeta, consistent reads and /v1/status. */
  readonly cluster: Leadership;
  readonly clock: Clock;
  readonly random: Random;
  readonly acl: AclResolver;
  readonly datacenter: string;
  /** host:port of this server's RPC listener, as /v1/status/leader reports it. */
  readonly rpcAddress: string;
}
