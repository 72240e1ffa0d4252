// Health reads: service instances with their checks (optionally only the passing ones), and checks
// by node, by service and by state.

import { enforce } from '../../acl/authorizer.js';
import { checksInState, nodeChecks, serviceChecks } from '../../catalog/reads/health.js';
import type { NodeMetaFilter, RpcHandlers } from '../../rpc/protocol.js';
import { type HealthCheck, healthCheckFilterSchema } from '../../structs/check.js';
import { serviceEntryFilterSchema } from '../../structs/node.js';
import type { ServerContext } from '../context.js';
import { applyFilter } from '../../filter/index.js';
import { filterFor, runQuery } from '../query.js';
import { nodeMatchesMeta, serviceHasTags } from '../render.js';
import { passingEntriesView, serviceEntriesView } from '../service-views.js';

type HealthHandlers = Pick<RpcHandlers, 'Health.ServiceNodes' | 'Health.NodeChecks' | 'Health.ServiceChecks' | 'Health.ChecksInState'>;

export function healthHandlers(context: ServerContext): HealthHandlers {
  const { store } = context;
  const onMatchingNodes = (checks: readonly HealthCheck[], nodeMeta: NodeMetaFilter): HealthCheck[] =>
    checks.filter((check) => {
      const node = store.nodes.get(check.Node.toLowerCase());
      return node !== undefined && nodeMatchesMeta(node, nodeMeta);
    });
  return {
    'Health.ServiceNodes': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'service', name: args.serviceName }, 'read');
      const filter = filterFor(args.filter, serviceEntryFilterSchema);
      const narrowed = args.tags.length > 0 || Object.keys(args.nodeMeta).length > 0;
      return runQuery(context, args, signal, (watch) => {
        const view = args.passingOnly ? passingEntriesView : serviceEntriesView;
        const { index, value } = view(store, watch, args.serviceName, args.connect);
        if (!narrowed) return { index, value: applyFilter(value, filter) };
        // The ?passing view already holds only passing instances.
        const entries = value.filter((entry) => nodeMatchesMeta(entry.Node, args.nodeMeta) && serviceHasTags(entry.Service, args.tags));
        return { index, value: applyFilter(entries, filter) };
      });
    },

    'Health.NodeChecks': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'node', name: args.node }, 'read');
      const filter = filterFor(args.filter, healthCheckFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = nodeChecks(store, watch, args.node);
        return { index, value: applyFilter(value, filter) };
      });
    },

    'Health.ServiceChecks': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'service', name: args.serviceName }, 'read');
      const filter = filterFor(args.filter, healthCheckFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = serviceChecks(store, watch, args.serviceName);
        return { index, value: applyFilter(onMatchingNodes(value, args.nodeMeta), filter) };
      });
    },

    'Health.ChecksInState': (args, signal) => {
      const filter = filterFor(args.filter, healthCheckFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = checksInState(store, watch, args.state);
        return { index, value: applyFilter(onMatchingNodes(value, args.nodeMeta), filter) };
      });
    },
  };
}
