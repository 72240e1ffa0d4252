// Health reads: service instances with their checks (optionally only the passing ones), and checks
// by node, by service and by state.

import { enforce } from '../../acl/authorizer.js';
import { checksInState, nodeChecks, serviceChecks } from '../../catalog/reads/health.js';
import type { NodeMetaFilter, RpcHandlers, ServiceEntry } from '../../rpc/protocol.js';
import { type HealthCheck, healthCheckFilterSchema } from '../../structs/check.js';
import { serviceEntryFilterSchema } from '../../structs/node.js';
import type { ServerContext } from '../context.js';
import { filterFor, filtered, runQuery } from '../query.js';
import { nodeMatchesMeta, serviceHasTags } from '../render.js';
import { passingEntriesView, serviceEntriesView } from '../service-views.js';

type HealthHandlers = Pick<RpcHandlers, 'Health.ServiceNodes' | 'Health.NodeChecks' | 'Health.ServiceChecks' | 'Health.ChecksInState'>;

/** ?passing keeps only instances whose every check, node-level ones included, is passing. */
function allPassing(entry: ServiceEntry): boolean {
  return entry.Checks.every((check) => check.Status === 'passing');
}

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
        if (!narrowed) return { index, value: filtered(value, filter) };
        const entries = value.filter(
          (entry) => nodeMatchesMeta(entry.Node, args.nodeMeta) && serviceHasTags(entry.Service, args.tags) && (!args.passingOnly || allPassing(entry)),
        );
        return { index, value: filtered(entries, filter) };
      });
    },

    'Health.NodeChecks': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'node', name: args.node }, 'read');
      const filter = filterFor(args.filter, healthCheckFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = nodeChecks(store, watch, args.node);
        return { index, value: filtered(value, filter) };
      });
    },

    'Health.ServiceChecks': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'service', name: args.serviceName }, 'read');
      const filter = filterFor(args.filter, healthCheckFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = serviceChecks(store, watch, args.serviceName);
        return { index, value: filtered(onMatchingNodes(value, args.nodeMeta), filter) };
      });
    },

    'Health.ChecksInState': (args, signal) => {
      const filter = filterFor(args.filter, healthCheckFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = checksInState(store, watch, args.state);
        return { index, value: filtered(onMatchingNodes(value, args.nodeMeta), filter) };
      });
    },
  };
}
