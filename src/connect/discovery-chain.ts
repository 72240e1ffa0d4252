// The discovery chain (Consul's agent/consul/discoverychain/compile.go): what a proxy follows to
// send a request for a service, compiled from its service-router, service-splitter and
// service-resolver entries (plus service-defaults and proxy-defaults for protocol, external SNI
// and mesh gateway mode), with defaults when absent.
//
//   1. assemble (discovery-chain-assemble.ts): router:<svc> → splitter:<svc> → resolver:<target>
//   2. reject cycles between routers and splitters ("detected circular reference: [a -> b -> a]")
//   3. flatten a splitter whose split lands on another splitter (weights multiply, 2 decimals)
//   4. drop nodes and targets no longer reachable from the start node
//   5. refuse routers or splitters on a protocol that is not http-like, then apply the override
//      protocol and, when an override changed anything, a CustomizationHash
//
// Node names and target IDs follow Consul: target "<subset.>service.namespace.partition.dc",
// "resolver:<target>", "router:service.namespace.partition", "splitter:...". An invalid graph
// throws Consul's ConfigEntryGraphError text (as a 500 conflict), which is also how config entry
// writes that would break a chain are refused (src/catalog/tables/config-entries.ts). Pure.

import { unreachable } from '../lib/assert.js';
import {
  ChainAssembler,
  chainGraphError,
  type ChainInputs,
  type ChainNode,
  chainNamespace,
  chainPartition,
  type ChainSplit,
  type ChainTarget,
  isHttpLikeProtocol,
} from './discovery-chain-assemble.js';

export { chainGraphError, isHttpLikeProtocol, type ChainInputs, type ChainNode, type ChainOverrides, type ChainTarget } from './discovery-chain-assemble.js';

export interface CompiledChain {
  readonly ServiceName: string;
  readonly Namespace: string;
  readonly Partition: string;
  readonly Datacenter: string;
  /** Set only when an override changed the chain (Consul omits it otherwise). */
  readonly CustomizationHash?: string;
  readonly Default: boolean;
  readonly Protocol: string;
  readonly StartNode: string;
  readonly Nodes: Readonly<Record<string, ChainNode>>;
  readonly Targets: Readonly<Record<string, ChainTarget>>;
}

function nextNodes(node: ChainNode): string[] {
  switch (node.Type) {
    case 'router':
      return (node.Routes ?? []).map((route) => route.NextNode);
    case 'splitter':
      return (node.Splits ?? []).map((split) => split.NextNode);
    case 'resolver':
      return [];
    default:
      return unreachable(node.Type);
  }
}

/** Depth-first from the start; a node met again on the current path is a cycle. */
function detectCircularReferences(nodes: Readonly<Record<string, ChainNode>>, start: string): void {
  const path: string[] = [];
  const visit = (name: string): void => {
    if (path.includes(name)) throw chainGraphError(`detected circular reference: [${[...path, name].join(' -> ')}]`);
    const node = nodes[name];
    if (node === undefined) return;
    path.push(name);
    for (const next of nextNodes(node)) visit(next);
    path.pop();
  };
  visit(start);
}

/** Consul's NormalizeServiceSplitWeight: weights keep two decimals. */
const normalizeWeight = (weight: number): number => Math.round(weight * 100) / 100;

/** A split onto a splitter is replaced by that splitter's splits, weights multiplied. */
function flattenAdjacentSplitters(nodes: Record<string, ChainNode>): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of Object.values(nodes)) {
      if (node.Type !== 'splitter' || node.Splits === undefined) continue;
      const flattened: ChainSplit[] = [];
      for (const split of node.Splits) {
        const next = nodes[split.NextNode];
        if (next?.Type !== 'splitter') {
          flattened.push(split);
          continue;
        }
        changed = true;
        for (const inner of next.Splits ?? []) {
          flattened.push({ Weight: normalizeWeight((split.Weight * inner.Weight) / 100), NextNode: inner.NextNode, Definition: mergeSplitDefinition(inner.Definition, split.Definition) });
        }
      }
      node.Splits = flattened;
    }
  }
}

/** The inner split's definition, with the parent's header changes where the inner has none. */
function mergeSplitDefinition(inner: unknown, parent: unknown): unknown {
  const child = { ...(inner as Record<string, unknown>) };
  const outer = parent as Record<string, unknown>;
  for (const key of ['RequestHeaders', 'ResponseHeaders']) if (child[key] === undefined && outer[key] !== undefined) child[key] = outer[key];
  return child;
}

function removeUnusedNodes(nodes: Record<string, ChainNode>, start: string): void {
  const reachable = new Set<string>();
  const todo = [start];
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    if (reachable.has(name)) continue;
    reachable.add(name);
    const node = nodes[name];
    if (node !== undefined) todo.push(...nextNodes(node));
  }
  for (const name of Object.keys(nodes)) if (!reachable.has(name)) delete nodes[name];
}

/** FNV-1a over the overrides that changed the chain: 8 hex digits, stable across processes. */
function customizationHash(value: unknown): string {
  let hash = 0x811c9dc5;
  for (const char of JSON.stringify(value)) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

function customization(assembler: ChainAssembler, inputs: ChainInputs): string | undefined {
  const by = assembler.customizedBy;
  if (!by.meshGateway && !by.protocol && !by.connectTimeout) return undefined;
  const overrides = inputs.overrides ?? {};
  return customizationHash({
    meshGateway: by.meshGateway ? overrides.meshGatewayMode : '',
    protocol: by.protocol ? overrides.protocol : '',
    connectTimeoutMs: by.connectTimeout ? overrides.connectTimeoutMs : 0,
  });
}

/** Default: no routing or splitting, only a default resolver for the service itself. */
function isDefaultChain(nodes: Readonly<Record<string, ChainNode>>, targets: ReadonlyMap<string, ChainTarget>, start: string, serviceName: string): boolean {
  const node = nodes[start];
  if (node?.Type !== 'resolver' || node.Resolver?.Default !== true) return false;
  return targets.get(node.Resolver.Target)?.Service === serviceName;
}

export function compileDiscoveryChain(inputs: ChainInputs): CompiledChain {
  if (inputs.serviceName === '') throw chainGraphError('serviceName is required');
  const assembler = new ChainAssembler(inputs);
  const startNode = assembler.assemble();
  const nodes = assembler.nodes;
  detectCircularReferences(nodes, startNode);
  flattenAdjacentSplitters(nodes);
  removeUnusedNodes(nodes, startNode);
  let protocol = assembler.protocol ?? 'tcp';
  if (!isHttpLikeProtocol(protocol) && assembler.usesAdvancedRouting) {
    throw chainGraphError(`discovery chain "${inputs.serviceName}" uses a protocol "${protocol}" that does not permit advanced routing or splitting behavior`);
  }
  const override = inputs.overrides?.protocol ?? '';
  if (override !== '' && override !== protocol) {
    protocol = override;
    assembler.customizedBy.protocol = true;
  }
  const targets: Record<string, ChainTarget> = {};
  for (const [id, target] of assembler.targets) if (assembler.retained.has(id)) targets[id] = target;
  const hash = customization(assembler, inputs);
  return {
    ServiceName: inputs.serviceName,
    Namespace: chainNamespace,
    Partition: chainPartition,
    Datacenter: inputs.datacenter,
    ...(hash === undefined ? {} : { CustomizationHash: hash }),
    Default: isDefaultChain(nodes, assembler.targets, startNode, inputs.serviceName),
    Protocol: protocol,
    StartNode: startNode,
    Nodes: nodes,
    Targets: targets,
  };
}

