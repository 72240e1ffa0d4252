// `taxiway catalog datacenters|nodes|services`: Consul's catalog listing commands
// (command/catalog/list/*), with their flags, output layouts and messages, so that scripts
// written against `consul catalog` work unchanged.

import type { Command } from 'commander';
import {
  getNode,
  listDatacenters,
  listNodes,
  listServiceInstances,
  listServices,
  type ApiClient,
  type CatalogNode,
  type ClientFlags,
  type QueryOptions,
} from '../../src/api/index.js';
import { addConnectionFlags, collect, expectNoArguments, fail, messageOf, output, parseKeyValueFlags, withApiClient } from './client-options.js';
import { byteOrder, columnize, keyValueList, twoColumnsPadded } from './columns.js';

interface NodesFlags extends ClientFlags {
  readonly detailed?: boolean;
  readonly service?: string;
  readonly nodeMeta?: string[];
  readonly near?: string;
  readonly filter?: string;
}

interface ServicesFlags extends ClientFlags {
  readonly tags?: boolean;
  readonly node?: string;
  readonly nodeMeta?: string[];
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('Interact with the catalog: list datacenters, nodes and services');

  addConnectionFlags(catalog.command('datacenters').description('Lists all known datacenters'), { server: true })
    .allowExcessArguments(true)
    .action((flags: ClientFlags, command: Command) => runDatacenters(flags, command));

  addConnectionFlags(catalog.command('nodes').description('Lists all nodes in the given datacenter'), { server: true })
    .option('--detailed', 'Output detailed information about the nodes including their addresses and metadata')
    .option('--service <id-or-name>', 'Only nodes providing the given service')
    .option('--node-meta <key=value>', 'Only nodes with this metadata; may be repeated', collect)
    .option('--near <node>', 'Sort by estimated round-trip time from this node ("_agent" for this agent\'s node)')
    .option('--filter <expression>', 'Filter expression to apply to the nodes')
    .allowExcessArguments(true)
    .action((flags: NodesFlags, command: Command) => runNodes(flags, command));

  addConnectionFlags(catalog.command('services').description('Lists all registered services in a datacenter'), { server: true })
    .option('--tags', "Display each service's tags as a comma-separated list beside its name")
    .option('--node <id-or-name>', 'Only services on this node')
    .option('--node-meta <key=value>', 'Only services on nodes with this metadata; may be repeated', collect)
    .allowExcessArguments(true)
    .action((flags: ServicesFlags, command: Command) => runServices(flags, command));
}

async function runDatacenters(flags: ClientFlags, command: Command): Promise<void> {
  if (!expectNoArguments(command)) return;
  await withApiClient(flags, async (client) => {
    try {
      const { value } = await listDatacenters(client);
      if (value.length > 0) output(...value);
    } catch (error) {
      fail(`Error listing datacenters: ${messageOf(error)}`);
    }
  });
}

async function runNodes(flags: NodesFlags, command: Command): Promise<void> {
  if (!expectNoArguments(command)) return;
  const nodeMeta = parseKeyValueFlags('node-meta', flags.nodeMeta ?? []);
  if ('error' in nodeMeta) return fail(nodeMeta.error);
  const query: QueryOptions = { nodeMeta: nodeMeta.map, near: flags.near, filter: flags.filter };
  await withApiClient(flags, async (client) => {
    const nodes = await fetchNodes(client, flags.service, query);
    if (nodes === undefined) return;
    if (nodes.length === 0) {
      // Consul reports an empty answer on stderr but does not treat it as a failure.
      process.stderr.write('No nodes match the given query - try expanding your search.\n');
      return;
    }
    output(nodesTable(nodes, flags.detailed === true));
  });
}

/** The nodes to list, or undefined after reporting a failure. With -service, one row per instance. */
async function fetchNodes(client: ApiClient, service: string | undefined, query: QueryOptions): Promise<CatalogNode[] | undefined> {
  if (service === undefined || service === '') {
    try {
      return (await listNodes(client, query)).value ?? [];
    } catch (error) {
      fail(`Error listing nodes: ${messageOf(error)}`);
      return undefined;
    }
  }
  try {
    const instances = (await listServiceInstances(client, service, query)).value ?? [];
    return instances.map((instance) => ({
      ID: instance.ID,
      Node: instance.Node,
      Address: instance.Address,
      Datacenter: instance.Datacenter,
      TaggedAddresses: instance.TaggedAddresses,
      Meta: instance.NodeMeta,
      CreateIndex: instance.CreateIndex,
      ModifyIndex: instance.ModifyIndex,
    }));
  } catch (error) {
    fail(`Error listing nodes for service: ${messageOf(error)}`);
    return undefined;
  }
}

/** Consul's node table; the short form shows the node ID up to its first "-". */
export function nodesTable(nodes: readonly CatalogNode[], detailed: boolean): string {
  if (detailed) {
    const header = ['Node', 'ID', 'Address', 'DC', 'TaggedAddresses', 'Meta'];
    const rows = nodes.map((node) => [node.Node, node.ID, node.Address, node.Datacenter, keyValueList(node.TaggedAddresses), keyValueList(node.Meta)]);
    return columnize([header, ...rows]);
  }
  const shortId = (id: string): string => (id.indexOf('-') > 0 ? id.slice(0, id.indexOf('-')) : id);
  const rows = nodes.map((node) => [node.Node, shortId(node.ID), node.Address, node.Datacenter]);
  return columnize([['Node', 'ID', 'Address', 'DC'], ...rows]);
}

async function runServices(flags: ServicesFlags, command: Command): Promise<void> {
  if (!expectNoArguments(command)) return;
  const nodeMeta = parseKeyValueFlags('node-meta', flags.nodeMeta ?? []);
  if ('error' in nodeMeta) return fail(nodeMeta.error);
  await withApiClient(flags, async (client) => {
    const services = await fetchServices(client, flags.node, { nodeMeta: nodeMeta.map });
    if (services === undefined) return;
    if (services.size === 0) {
      process.stderr.write('No services match the given query - try expanding your search.\n');
      return;
    }
    output(...servicesListing(services, flags.tags === true));
  });
}

/** Service name → tags, or undefined after reporting a failure. With -node, from that node's services. */
async function fetchServices(client: ApiClient, node: string | undefined, query: QueryOptions): Promise<Map<string, string[]> | undefined> {
  if (node === undefined || node === '') {
    try {
      return new Map(Object.entries((await listServices(client, query)).value ?? {}));
    } catch (error) {
      fail(`Error listing services: ${messageOf(error)}`);
      return undefined;
    }
  }
  try {
    const entry = (await getNode(client, node, query)).value;
    const services = new Map<string, string[]>();
    // Tags of several instances of one service are concatenated, duplicates kept, as Consul does.
    for (const service of Object.values(entry?.Services ?? {})) {
      services.set(service.Service, [...(services.get(service.Service) ?? []), ...(service.Tags ?? [])]);
    }
    return services;
  } catch (error) {
    fail(`Error listing services for node: ${messageOf(error)}`);
    return undefined;
  }
}

/** Names sorted; with tags, each name beside its sorted tags joined by ",". */
export function servicesListing(services: ReadonlyMap<string, readonly string[]>, withTags: boolean): string[] {
  const names = [...services.keys()].sort(byteOrder);
  if (!withTags) return names;
  return [twoColumnsPadded(names.map((name) => [name, [...(services.get(name) ?? [])].sort(byteOrder).join(',')]))];
}
