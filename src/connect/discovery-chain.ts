// The discovery chain (Consul's agent/consul/discoverychain/compile.go, reduced): what a proxy
// follows to send a request for a service, compiled from its service-router, service-splitter and
// service-resolver entries, with defaults when absent.
//
//   router:<svc>   → routes in order, a catch-all "/" last     (only for http-like protocols)
//   splitter:<svc> → weighted splits                            (only for http-like protocols)
//   resolver:<target> → a target (service, subset, dc) + failover targets
//
// Node names and target IDs follow Consul: target "<subset.>service.namespace.partition.dc",
// "resolver:<target>", "router:service.namespace.partition", "splitter:...". A redirect makes a
// resolver resolve another service's target; a missing subset falls back to DefaultSubset; the
// connect timeout defaults to 5 s. Pure: entries come in through a lookup.

import { formatGoDuration, parseGoDuration } from '../lib/duration.js';
import type { ConfigEntry, ConfigEntryKind } from '../structs/config-entry.js';

export interface ChainInputs {
  readonly serviceName: string;
  readonly datacenter: string;
  /** The CA's trust domain, for target SNIs ("" before the CA exists). */
  readonly trustDomain: string;
  readonly entry: (kind: ConfigEntryKind, name: string) => ConfigEntry | undefined;
  readonly protocolOf: (service: string) => string;
}

export interface ChainTarget {
  readonly ID: string;
  readonly Service: string;
  readonly ServiceSubset: string;
  readonly Namespace: string;
  readonly Partition: string;
  readonly Datacenter: string;
  readonly MeshGateway: Readonly<Record<string, unknown>>;
  readonly Subset: { readonly Filter: string; readonly OnlyPassing: boolean };
  readonly ConnectTimeout: string;
  readonly SNI: string;
  readonly Name: string;
}

export interface ChainNode {
  readonly Type: 'router' | 'splitter' | 'resolver';
  readonly Name: string;
  readonly Routes?: readonly { readonly Definition: unknown; readonly NextNode: string }[];
  readonly Splits?: readonly { readonly Weight: number; readonly NextNode: string; readonly Definition: unknown }[];
  readonly Resolver?: { readonly ConnectTimeout: string; readonly Default: boolean; readonly Target: string; readonly Failover?: { readonly Targets: readonly string[] } };
  readonly LoadBalancer?: unknown;
}

export interface CompiledChain {
  readonly ServiceName: string;
  readonly Namespace: string;
  readonly Partition: string;
  readonly Datacenter: string;
  readonly Default: boolean;
  readonly Protocol: string;
  readonly StartNode: string;
  readonly Nodes: Readonly<Record<string, ChainNode>>;
  readonly Targets: Readonly<Record<string, ChainTarget>>;
}

const namespace = 'default';
const partition = 'default';
const defaultConnectTimeoutMs = 5_000;
/** Redirects and splits may point at each other; Consul rejects cycles, we stop following at this depth. */
const chainDepthMax = 16;

type Fields = Readonly<Record<string, unknown>>;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export function isHttpLikeProtocol(protocol: string): boolean {
  return protocol === 'http' || protocol === 'http2' || protocol === 'grpc';
}

class ChainBuilder {
  readonly nodes: Record<string, ChainNode> = {};
  readonly targets: Record<string, ChainTarget> = {};
  usedEntries = false;
  private readonly l7: boolean;

  constructor(private readonly inputs: ChainInputs) {
    this.l7 = isHttpLikeProtocol(inputs.protocolOf(inputs.serviceName));
  }

  private entry(kind: ConfigEntryKind, name: string): ConfigEntry | undefined {
    const found = this.inputs.entry(kind, name);
    if (found !== undefined) this.usedEntries = true;
    return found;
  }

  targetId(service: string, subset: string, datacenter: string): string {
    return `${subset === '' ? '' : `${subset}.`}${service}.${namespace}.${partition}.${datacenter}`;
  }

  /** The node a request for (service, subset) goes to next: its splitter, else its resolver. */
  nextNode(service: string, subset: string, depth: number): string {
    if (this.l7 && subset === '' && depth < chainDepthMax) {
      const splitter = this.entry('service-splitter', service);
      if (splitter !== undefined) return this.addSplitter(splitter, depth + 1);
    }
    return this.addResolver(service, subset, this.inputs.datacenter, depth + 1);
  }

  addRouter(router: ConfigEntry): string {
    const name = `router:${router.Name}.${namespace}.${partition}`;
    const routes = (Array.isArray(router.Routes) ? (router.Routes as Fields[]) : []).map((route) => {
      const destination = (route.Destination ?? {}) as Fields;
      return { Definition: route, NextNode: this.nextNode(str(destination.Service) || router.Name, str(destination.ServiceSubset), 0) };
    });
    const catchAll = { Match: { HTTP: { PathPrefix: '/' } }, Destination: { Service: router.Name } };
    routes.push({ Definition: catchAll, NextNode: this.nextNode(router.Name, '', 0) });
    this.nodes[name] = { Type: 'router', Name: `${router.Name}.${namespace}.${partition}`, Routes: routes };
    return name;
  }

  addSplitter(splitter: ConfigEntry, depth: number): string {
    const name = `splitter:${splitter.Name}.${namespace}.${partition}`;
    if (this.nodes[name] !== undefined) return name;
    this.nodes[name] = { Type: 'splitter', Name: `${splitter.Name}.${namespace}.${partition}`, Splits: [] };
    const splits = (Array.isArray(splitter.Splits) ? (splitter.Splits as Fields[]) : []).map((split) => {
      const service = str(split.Service) || splitter.Name;
      const subset = str(split.ServiceSubset);
      // A split back to the splitter's own service goes to its resolver, not round the splitter again.
      const next = service === splitter.Name ? this.addResolver(service, subset, this.inputs.datacenter, depth + 1) : this.nextNode(service, subset, depth);
      return { Weight: typeof split.Weight === 'number' ? split.Weight : 0, NextNode: next, Definition: split };
    });
    this.nodes[name] = { Type: 'splitter', Name: `${splitter.Name}.${namespace}.${partition}`, Splits: splits };
    return name;
  }

  addResolver(service: string, subset: string, datacenter: string, depth: number): string {
    const resolver = this.entry('service-resolver', service);
    const redirect = resolver?.Redirect as Fields | undefined;
    if (redirect !== undefined && depth < chainDepthMax) {
      const to = str(redirect.Service) || service;
      return this.addResolver(to, str(redirect.ServiceSubset) || (to === service ? subset : ''), str(redirect.Datacenter) || datacenter, depth + 1);
    }
    const effectiveSubset = subset || str(resolver?.DefaultSubset);
    const targetId = this.addTarget(service, effectiveSubset, datacenter, resolver);
    const name = `resolver:${targetId}`;
    if (this.nodes[name] !== undefined) return name;
    const failover = this.failoverTargets(resolver, service, effectiveSubset, datacenter);
    const connectTimeout = this.targets[targetId]?.ConnectTimeout ?? formatGoDuration(defaultConnectTimeoutMs);
    this.nodes[name] = {
      Type: 'resolver',
      Name: targetId,
      Resolver: { ConnectTimeout: connectTimeout, Default: resolver === undefined, Target: targetId, ...(failover.length === 0 ? {} : { Failover: { Targets: failover } }) },
      ...(resolver?.LoadBalancer === undefined ? {} : { LoadBalancer: resolver.LoadBalancer }),
    };
    return name;
  }

  private failoverTargets(resolver: ConfigEntry | undefined, service: string, subset: string, datacenter: string): string[] {
    const failover = (resolver?.Failover ?? {}) as Record<string, Fields>;
    const rule = failover[subset] ?? failover['*'];
    if (rule === undefined) return [];
    const to = str(rule.Service) || service;
    const toSubset = str(rule.ServiceSubset) || (to === service ? subset : '');
    const datacenters = Array.isArray(rule.Datacenters) ? (rule.Datacenters as string[]) : [datacenter];
    const explicit = Array.isArray(rule.Targets) ? (rule.Targets as Fields[]) : [];
    const ids = explicit.length > 0
      ? explicit.map((target) => this.addTarget(str(target.Service) || service, str(target.ServiceSubset), str(target.Datacenter) || datacenter, undefined))
      : datacenters.map((dc) => this.addTarget(to, toSubset, dc, this.inputs.entry('service-resolver', to)));
    return ids.filter((id) => id !== this.targetId(service, subset, datacenter));
  }

  addTarget(service: string, subset: string, datacenter: string, resolver: ConfigEntry | undefined): string {
    const id = this.targetId(service, subset, datacenter);
    if (this.targets[id] !== undefined) return id;
    const subsets = (resolver?.Subsets ?? {}) as Record<string, Fields>;
    const definition = subsets[subset] ?? {};
    const timeoutMs = parseGoDuration(str(resolver?.ConnectTimeout)) ?? 0;
    const sni = `${subset === '' ? '' : `${subset}.`}${service}.${namespace}.${datacenter}.internal.${this.inputs.trustDomain}`;
    this.targets[id] = {
      ID: id,
      Service: service,
      ServiceSubset: subset,
      Namespace: namespace,
      Partition: partition,
      Datacenter: datacenter,
      MeshGateway: {},
      Subset: { Filter: str(definition.Filter), OnlyPassing: definition.OnlyPassing === true },
      ConnectTimeout: formatGoDuration(timeoutMs > 0 ? timeoutMs : defaultConnectTimeoutMs),
      SNI: sni,
      Name: sni,
    };
    return id;
  }

  start(): string {
    const router = this.l7 ? this.entry('service-router', this.inputs.serviceName) : undefined;
    return router !== undefined ? this.addRouter(router) : this.nextNode(this.inputs.serviceName, '', 0);
  }
}

export function compileDiscoveryChain(inputs: ChainInputs): CompiledChain {
  const builder = new ChainBuilder(inputs);
  const startNode = builder.start();
  return {
    ServiceName: inputs.serviceName,
    Namespace: namespace,
    Partition: partition,
    Datacenter: inputs.datacenter,
    Default: !builder.usedEntries,
    Protocol: inputs.protocolOf(inputs.serviceName),
    StartNode: startNode,
    Nodes: builder.nodes,
    Targets: builder.targets,
  };
}
