// PreparedQuery.* (Consul's agent/consul/prepared_query_endpoint.go). Writes are validated here
// (structs/prepared-query.ts validatePreparedQuery) and the new ID drawn before proposing
// command 7; the checks that need the table (name aliases, session, template compile) run in the
// FSM. Get and List are blocking reads of the table; Execute and Explain resolve an ID or name
// (templates by prefix, rendered for the name) and do not block, as in Consul.
//
// ACLs: Consul guards queries with prefix "query" rules, which taxiway's ACL hook does not have
// yet; executing still needs service:read on the service the query names.

import { enforce } from '../../acl/authorizer.js';
import { CommandType } from '../../catalog/commands.js';
import { resolvePreparedQuery } from '../../catalog/tables/prepared-queries.js';
import { watchKeys } from '../../catalog/watch.js';
import { badRequest, notFound } from '../../lib/errors.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import { type PreparedQuery, validatePreparedQuery } from '../../structs/prepared-query.js';
import type { ServerContext } from '../context.js';
import { executePreparedQuery } from '../prepared-query-execute.js';
import { checkDatacenter, runQuery } from '../query.js';

type PreparedQueryHandlers = Pick<RpcHandlers, 'PreparedQuery.Apply' | 'PreparedQuery.Get' | 'PreparedQuery.List' | 'PreparedQuery.Execute' | 'PreparedQuery.Explain'>;

/** Consul's ErrQueryNotFound text, which clients match on. */
export const queryNotFoundMessage = 'Query not found';

function freshId(context: ServerContext): string {
  for (;;) {
    const id = context.random.uuid();
    if (context.store.preparedQueries.get(id) === undefined) return id;
  }
}

function resolved(context: ServerContext, idOrName: string): PreparedQuery {
  const query = resolvePreparedQuery(context.store, idOrName);
  if (query === undefined) throw notFound(queryNotFoundMessage);
  return query;
}

export function preparedQueryHandlers(context: ServerContext): PreparedQueryHandlers {
  const { store } = context;
  return {
    'PreparedQuery.Apply': async (args) => {
      checkDatacenter(context, args.datacenter);
      context.acl.resolve(args.token);
      let query = args.query;
      if (args.op === 'create') {
        if (query.ID !== '') throw badRequest('ID must be empty when creating a new prepared query');
        query = { ...query, ID: freshId(context) };
      } else if (store.preparedQueries.get(query.ID.toLowerCase()) === undefined) {
        throw notFound(`Cannot modify non-existent prepared query: '${query.ID}'`);
      }
      if (args.op === 'delete') {
        await context.log.propose({ type: CommandType.PreparedQuery, op: 'delete', id: query.ID });
        return query.ID;
      }
      validatePreparedQuery(query);
      await context.log.propose({ type: CommandType.PreparedQuery, op: 'set', query });
      return query.ID;
    },
    'PreparedQuery.Get': (args, signal) =>
      runQuery(context, args, signal, (watch) => {
        watch.add(watchKeys.preparedQueries);
        const query = store.preparedQueries.get(args.id.toLowerCase());
        if (query === undefined) throw notFound(queryNotFoundMessage);
        return { index: store.maxIndex([watchKeys.preparedQueries]), value: [query] };
      }),
    'PreparedQuery.List': (args, signal) =>
      runQuery(context, args, signal, (watch) => {
        watch.add(watchKeys.preparedQueries);
        return { index: store.maxIndex([watchKeys.preparedQueries]), value: store.preparedQueries.rows() };
      }),
    'PreparedQuery.Execute': (args, signal) => {
      checkDatacenter(context, args.datacenter);
      const query = resolved(context, args.idOrName);
      enforce(context.acl.resolve(query.Token !== '' ? query.Token : args.token), { kind: 'service', name: query.Service.Service }, 'read');
      const options = { datacenter: context.datacenter, agentNode: args.agentNode, near: args.near, sourceIp: args.sourceIp, limit: args.limit, connect: args.connect };
      return runQuery(context, { ...args, minQueryIndex: 0 }, signal, (watch) => executePreparedQuery(store, watch, query, options, context.random));
    },
    'PreparedQuery.Explain': (args, signal) => {
      checkDatacenter(context, args.datacenter);
      context.acl.resolve(args.token);
      return runQuery(context, { ...args, minQueryIndex: 0 }, signal, () => ({ index: store.maxIndex([watchKeys.preparedQueries]), value: resolved(context, args.idOrName) }));
    },
  };
}
