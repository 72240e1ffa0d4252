// Catalog reads: datacenters, nodes, services, the instances of one service, a node's services.

import { enforce } from '../../acl/authorizer.js';
import { listNodes, listServices, nodeServices } from '../../catalog/reads/catalog.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import { nodeFilterSchema } from '../../structs/node.js';
import type { NodeService } from '../../structs/service.js';
import { catalogServiceFilterSchema, nodeServiceFilterSchema } from '../../structs/service.js';
import type { ServerContext } from '../context.js';
import { applyFilter } from '../../filter/index.js';
import { filterFor, runQuery } from '../query.js';
import { catalogService, catalogServiceMatches, nodeMatchesMeta } from '../render.js';
import { catalogServicesView } from '../service-views.js';

type ReadHandlers = Pick<
  RpcHandlers,
  'Catalog.ListDatacenters' | 'Catalog.ListNodes' | 'Catalog.ListServices' | 'Catalog.ServiceNodes' | 'Catalog.NodeServices' | 'Catalog.NodeServiceList'
>;

export function catalogReadHandlers(context: ServerContext): ReadHandlers {
  const { store } = context;
  return {
    // Only this datacenter is known until federation lands.
    'Catalog.ListDatacenters': () => Promise.resolve([context.datacenter]),

    'Catalog.ListNodes': (args, signal) => {
      const filter = filterFor(args.filter, nodeFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = listNodes(store, watch);
        return { index, value: applyFilter(value.filter((node) => nodeMatchesMeta(node, args.nodeMeta)), filter) };
      });
    },

    'Catalog.ListServices': (args, signal) => {
      const filter = filterFor(args.filter, catalogServiceFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = listServices(store, watch, args.filter !== '' || Object.keys(args.nodeMeta).length > 0);
        const out: Record<string, string[]> = {};
        for (const [name, instances] of value) {
          const matching = applyFilter(instances.filter((instance) => nodeMatchesMeta(instance.node, args.nodeMeta)).map(catalogService), filter);
          if (matching.length === 0) continue;
          // Tags are the union over the instances, each once, in first-seen order.
          out[name] = [...new Set(matching.flatMap((instance) => instance.ServiceTags as string[]))];
        }
        return { index, value: out };
      });
    },

    'Catalog.ServiceNodes': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'service', name: args.serviceName }, 'read');
      const filter = filterFor(args.filter, catalogServiceFilterSchema);
      const narrowed = args.tags.length > 0 || Object.keys(args.nodeMeta).length > 0;
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = catalogServicesView(store, watch, args.serviceName, args.connect);
        if (!narrowed) return { index, value: applyFilter(value, filter) };
        const matching = value.filter((instance) => catalogServiceMatches(instance, args.nodeMeta, args.tags));
        return { index, value: applyFilter(matching, filter) };
      });
    },

    'Catalog.NodeServices': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'node', name: args.node }, 'read');
      const filter = filterFor(args.filter, nodeServiceFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = nodeServices(store, watch, args.node);
        if (value === null) return { index, value: null };
        const services: Record<string, NodeService> = {};
        for (const service of applyFilter(value.services, filter)) services[service.ID] = service;
        return { index, value: { Node: value.node, Services: services } };
      });
    },

    'Catalog.NodeServiceList': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'node', name: args.node }, 'read');
      const filter = filterFor(args.filter, nodeServiceFilterSchema);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = nodeServices(store, watch, args.node);
        return { index, value: value === null ? null : { Node: value.node, Services: applyFilter(value.services, filter) } };
      });
    },
  };
}
