// ConfigEntry.* and DiscoveryChain.Get (Consul's config_endpoint.go, discovery_chain_endpoint.go).
// Writes are validated and normalised here, on the server, so every client gets the same rules,
// then proposed as one command 10; the routing-graph check (a router needs an L7 protocol) runs
// inside the FSM, against the state the write lands on. ACLs: mesh-wide kinds need operator, the
// per-service kinds service:write on their service.

import { enforce, type Authorizer } from '../../acl/authorizer.js';
import { configEntryList, configEntryRead } from '../../catalog/reads/config-entries.js';
import { caConfigPrimaryKey } from '../../catalog/tables/connect-ca.js';
import { getConfigEntry } from '../../catalog/tables/config-entries.js';
import { watchKeys } from '../../catalog/watch.js';
import { CommandType } from '../../catalog/commands.js';
import { validateConfigEntry } from '../../connect/config-entries/validate.js';
import { compileDiscoveryChain } from '../../connect/discovery-chain.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import type { ConfigEntryKind } from '../../structs/config-entry.js';
import { trustDomainOf } from '../../structs/connect-ca.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter, runQuery } from '../query.js';

type ConfigEntryHandlers = Pick<RpcHandlers, 'ConfigEntry.Apply' | 'ConfigEntry.Delete' | 'ConfigEntry.Get' | 'ConfigEntry.List' | 'DiscoveryChain.Get'>;

function enforceEntry(authorizer: Authorizer, kind: ConfigEntryKind, name: string, access: 'read' | 'write'): void {
  if (kind === 'proxy-defaults' || kind === 'mesh') {
    if (access === 'write') enforce(authorizer, { kind: 'operator' }, 'write');
    return;
  }
  enforce(authorizer, { kind: 'service', name }, access);
}

export function configEntryHandlers(context: ServerContext): ConfigEntryHandlers {
  return {
    'ConfigEntry.Apply': async (args) => {
      checkDatacenter(context, args.datacenter);
      const entry = validateConfigEntry(args.entry);
      enforceEntry(context.acl.resolve(args.token), entry.Kind, entry.Name, 'write');
      return (await context.log.propose({ type: CommandType.ConfigEntry, op: 'upsert', entry, casIndex: args.casIndex })) as boolean;
    },
    'ConfigEntry.Delete': async (args) => {
      checkDatacenter(context, args.datacenter);
      enforceEntry(context.acl.resolve(args.token), args.kind, args.name, 'write');
      return (await context.log.propose({ type: CommandType.ConfigEntry, op: 'delete', kind: args.kind, name: args.name, casIndex: args.casIndex })) as boolean;
    },
    'ConfigEntry.Get': (args, signal) => {
      enforceEntry(context.acl.resolve(args.token), args.kind, args.name, 'read');
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = configEntryRead(context.store, watch, args.kind, args.name);
        return { index, value: value ?? null };
      });
    },
    'ConfigEntry.List': (args, signal) => {
      const authorizer = context.acl.resolve(args.token);
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = configEntryList(context.store, watch, args.kind);
        const visible = value.filter((entry) => entry.Kind === 'proxy-defaults' || entry.Kind === 'mesh' || authorizer.allows({ kind: 'service', name: entry.Name }, 'read'));
        return { index, value: visible };
      });
    },
    'DiscoveryChain.Get': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'service', name: args.name }, 'read');
      return runQuery(context, args, signal, (watch) => {
        // The chain may read any routing entry; one key for all entries keeps the watch set small.
        watch.add(watchKeys.configEntries);
        watch.add(watchKeys.caConfig);
        const store = context.store;
        const caConfig = store.caConfig.get(caConfigPrimaryKey());
        const chain = compileDiscoveryChain({
          serviceName: args.name,
          datacenter: args.evaluateInDatacenter || context.datacenter,
          trustDomain: caConfig === undefined ? '' : trustDomainOf(caConfig.ClusterID),
          entry: (kind, name) => getConfigEntry(store, kind, name),
          ...(args.overrides === undefined ? {} : { overrides: args.overrides }),
        });
        return { index: store.maxIndex([watchKeys.configEntries]), value: chain };
      });
    },
  };
}
