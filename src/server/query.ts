// runQuery: the shape of every read endpoint. Check the datacenter, compile the filter once, run
// the read as a blocking query (re-running it on every relevant change), and describe the answer's
// freshness in QueryMeta.

import { type BlockingDeps, blockingQuery, type QueryResult } from '../catalog/blocking-query.js';
import type { WatchSet } from '../catalog/watch.js';
import { type CompiledFilter, compileFilter } from '../filter/index.js';
import { noPathToDatacenter } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import type { QueryOptions, QueryReply } from '../rpc/protocol.js';
import type { Schema } from '../structs/schema.js';
import type { ServerContext } from './context.js';

/** Requests for another datacenter cannot be served until federation exists. */
export function checkDatacenter(context: ServerContext, datacenter: string): void {
  if (datacenter !== '' && datacenter !== context.datacenter) throw noPathToDatacenter();
}

/** The ?filter= expression compiled against the element schema, or undefined when there is none. */
export function filterFor(expression: string, schema: Schema): CompiledFilter | undefined {
  return expression === '' ? undefined : compileFilter(expression, schema);
}

export async function runQuery<T>(
  context: ServerContext,
  options: QueryOptions,
  signal: AbortSignal | undefined,
  run: (watch: WatchSet) => QueryResult<T>,
): Promise<QueryReply<T>> {
  checkDatacenter(context, options.datacenter);
  // ?consistent: confirm with a quorum that this leader still leads and wait until its state
  // holds everything committed so far (the router already sent the call to the leader).
  if (options.requireConsistent) await context.cluster.barrier();
  const deps: BlockingDeps = context;
  const result = await blockingQuery(deps, { minIndex: options.minQueryIndex, maxWaitMs: options.maxQueryTimeMs, signal }, run);
  return {
    value: result.value,
    meta: {
      index: result.index,
      knownLeader: context.cluster.leaderAddress() !== undefined,
      lastContactMs: Math.min(context.cluster.lastContactMs(), limits.lastContactReportedMsMax),
      consistency: options.requireConsistent ? 'consistent' : options.allowStale ? 'stale' : 'leader',
    },
  };
}
