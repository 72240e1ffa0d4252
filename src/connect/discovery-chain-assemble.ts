// The discovery chain's first pass (Consul's discoverychain compiler, assembleChain and the
// get*Node helpers): from the service's router, or else its splitter, or else its resolver, build
// the graph of nodes and the targets they reach. Each resolver follows redirects and the default
// subset until a target settles (a redirect seen twice is a cycle), checks the subset exists,
// takes the connect timeout and mesh gateway mode (service-defaults, then proxy-defaults, then the
// caller's override), and adds failover targets. Splitter nodes are recorded before their splits
// are followed, so a split loop closes on the recorded node and the later cycle check reports it.
// Every service the chain touches must share one protocol. Pure: entries come through a lookup.

import { conflict, type TaxiwayError } from '../lib/errors.js';
import { formatGoDuration, parseGoDuration } from '../lib/duration.js';
import type { ConfigEntry, ConfigEntryKind } from '../structs/config-entry.js';
import { proxyDefaultsName } from '../structs/config-entry.js';

type Fields = Readonly<Record<string, unknown>>;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const fields = (value: unknown): Fields => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {});
const list = (value: unknown): Fields[] => (Array.isArray(value) ? (value as Fields[]) : []);

export const chainNamespace = 'default';
export const chainPartition = 'default';
const defaultConnectTimeoutMs = 5_000;

/** Consul's IsProtocolHTTPLike: the protocols that allow routers and splitters. */
export function isHttpLikeProtocol(protocol: string): boolean {
  return protocol === 'http' || protocol === 'http2' || protocol === 'grpc';
}

/** Consul's ConfigEntryGraphError: a set of entries no chain can be compiled from. */
export const chainGraphError = (message: string): TaxiwayError => conflict(message);

/** What POST /v1/discovery-chain/:svc may change for one compile (Consul's CompileRequest overrides). */
export interface ChainOverrides {
  readonly protocol?: string;
  readonly connectTimeoutMs?: number;
  /** "", "none", "local" or "remote"; "" leaves each target's own mode. */
  readonly meshGatewayMode?: string;
}

export interface ChainInputs {
  readonly serviceName: string;
  readonly datacenter: string;
  /** The CA's trust domain, for target SNIs ("" before the CA exists). */
  readonly trustDomain: string;
  readonly entry: (kind: ConfigEntryKind, name: string) => ConfigEntry | undefined;
  /** A service's protocol; by default its service-defaults, else proxy-defaults' Config.protocol, else tcp. */
  readonly protocolOf?: (service: string) => string;
  readonly overrides?: ChainOverrides;
}

export interface ChainTarget {
  ID: string;
  Service: string;
  ServiceSubset: string;
  Namespace: string;
  Partition: string;
  Datacenter: string;
  MeshGateway: { Mode?: string };
  Subset: { Filter: string; OnlyPassing: boolean };
  ConnectTimeout: string;
  External: boolean;
  SNI: string;
  Name: string;
}

export interface ChainRoute { readonly Definition: unknown; NextNode: string }
export interface ChainSplit { readonly Weight: number; readonly NextNode: string; readonly Definition: unknown }
export interface ChainResolver { readonly ConnectTimeout: string; readonly Default: boolean; readonly Target: string; Failover?: { readonly Targets: readonly string[] } }

export interface ChainNode {
  readonly Type: 'router' | 'splitter' | 'resolver';
  readonly Name: string;
  Routes?: ChainRoute[];
  Splits?: ChainSplit[];
  readonly Resolver?: ChainResolver;
  LoadBalancer?: unknown;
}

interface TargetOptions { readonly service: string; readonly subset?: string; readonly datacenter?: string }

export const nodeKey = (node: ChainNode): string => `${node.Type}:${node.Name}`;
const serviceNodeName = (service: string): string => `${service}.${chainNamespace}.${chainPartition}`;

/** A resolver with nothing set acts as the default one (Consul's IsDefault). */
function isDefaultResolver(resolver: ConfigEntry | undefined): boolean {
  if (resolver === undefined) return true;
  const set = (key: string): boolean => {
    const value = resolver[key];
    if (key === 'ConnectTimeout' || key === 'RequestTimeout') return (parseGoDuration(str(value)) ?? 0) > 0;
    return value !== undefined && value !== '' && !(typeof value === 'object' && value !== null && Object.keys(value).length === 0);
  };
  return !['Redirect', 'DefaultSubset', 'Subsets', 'Failover', 'ConnectTimeout', 'RequestTimeout', 'LoadBalancer'].some(set);
}

const isHashBased = (balancer: unknown): boolean => ['maglev', 'ring_hash'].includes(str(fields(balancer).Policy));

export class ChainAssembler {
  readonly nodes: Record<string, ChainNode> = {};
  readonly targets = new Map<string, ChainTarget>();
  readonly retained = new Set<string>();
  readonly customizedBy = { meshGateway: false, protocol: false, connectTimeout: false };
  protocol: string | undefined;
  usesAdvancedRouting = false;
  readonly disableAdvancedRouting: boolean;
  private readonly splitterNodes = new Map<string, ChainNode>();
  private readonly resolverNodes = new Map<string, ChainNode>();

  constructor(private readonly inputs: ChainInputs) {
    const override = inputs.overrides?.protocol ?? '';
    this.disableAdvancedRouting = override !== '' && !isHttpLikeProtocol(override);
  }

  private entry(kind: ConfigEntryKind, name: string): ConfigEntry | undefined {
    return this.inputs.entry(kind, name);
  }

  private protocolOf(service: string): string {
    if (this.inputs.protocolOf !== undefined) return this.inputs.protocolOf(service);
    const defaults = str(this.entry('service-defaults', service)?.Protocol);
    if (defaults !== '') return defaults.toLowerCase();
    const config = fields(this.entry('proxy-defaults', proxyDefaultsName)?.Config);
    return (str(config.protocol) || str(config.Protocol) || 'tcp').toLowerCase();
  }

  private recordProtocol(service: string): void {
    const protocol = this.protocolOf(service);
    if (this.protocol === undefined) this.protocol = protocol;
    else if (this.protocol !== protocol) {
      throw chainGraphError(`discovery chain "${this.inputs.serviceName}" uses inconsistent protocols; service "${service}" has "${protocol}" which is not "${this.protocol}"`);
    }
  }

  private recordNode(node: ChainNode): void {
    if (node.Type === 'splitter') this.splitterNodes.set(node.Name, node);
    if (node.Type === 'resolver' && node.Resolver !== undefined) this.resolverNodes.set(node.Resolver.Target, node);
    this.nodes[nodeKey(node)] = node;
  }

  newTarget(options: TargetOptions): ChainTarget {
    const subset = options.subset ?? '';
    const datacenter = options.datacenter || this.inputs.datacenter;
    const id = `${subset === '' ? '' : `${subset}.`}${options.service}.${chainNamespace}.${chainPartition}.${datacenter}`;
    const existing = this.targets.get(id);
    if (existing !== undefined) return existing;
    const sni = `${subset === '' ? '' : `${subset}.`}${options.service}.${chainNamespace}.${datacenter}.internal.${this.inputs.trustDomain}`;
    const target: ChainTarget = {
      ID: id, Service: options.service, ServiceSubset: subset, Namespace: chainNamespace, Partition: chainPartition, Datacenter: datacenter,
      MeshGateway: {}, Subset: { Filter: '', OnlyPassing: false }, ConnectTimeout: '', External: false, SNI: sni, Name: sni,
    };
    this.targets.set(id, target);
    return target;
  }

  /** Consul's rewriteTarget: another service resets the subset; unset options keep the target's. */
  private rewriteTarget(target: ChainTarget, options: Fields): ChainTarget {
    const service = str(options.Service);
    const changedService = service !== '' && service !== target.Service;
    return this.newTarget({
      service: changedService ? service : target.Service,
      subset: str(options.ServiceSubset) || (changedService ? '' : target.ServiceSubset),
      datacenter: str(options.Datacenter) || target.Datacenter,
    });
  }

  /** The chain's start node: the router, else the service's splitter or resolver. */
  assemble(): string {
    let router = this.entry('service-router', this.inputs.serviceName);
    if (router !== undefined && this.disableAdvancedRouting) {
      router = undefined;
      this.customizedBy.protocol = true;
    }
    if (router === undefined) return nodeKey(this.splitterOrResolver(this.newTarget({ service: this.inputs.serviceName })));
    this.usesAdvancedRouting = true;
    this.recordProtocol(router.Name);
    const routes: ChainRoute[] = list(router.Routes).map((route) => {
      const destination = fields(route.Destination);
      const target = this.newTarget({ service: str(destination.Service) || this.inputs.serviceName, subset: str(destination.ServiceSubset) });
      const node = target.ServiceSubset === '' ? this.splitterOrResolver(target) : this.resolverNode(target, false);
      return { Definition: route, NextNode: nodeKey(node) };
    });
    const catchAll = { Match: { HTTP: { PathPrefix: '/' } }, Destination: { Service: router.Name, Namespace: chainNamespace, Partition: chainPartition } };
    routes.push({ Definition: catchAll, NextNode: nodeKey(this.splitterOrResolver(this.newTarget({ service: router.Name }))) });
    const node: ChainNode = { Type: 'router', Name: serviceNodeName(router.Name), Routes: routes };
    this.recordNode(node);
    return nodeKey(node);
  }

  private splitterOrResolver(target: ChainTarget): ChainNode {
    return this.splitterNode(target.Service) ?? this.resolverNode(target, false);
  }

  private splitterNode(service: string): ChainNode | undefined {
    const name = serviceNodeName(service);
    const existing = this.splitterNodes.get(name);
    if (existing !== undefined) return existing;
    let splitter = this.entry('service-splitter', service);
    if (splitter !== undefined && this.disableAdvancedRouting) {
      splitter = undefined;
      this.customizedBy.protocol = true;
    }
    if (splitter === undefined) return undefined;
    const splits: ChainSplit[] = [];
    const node: ChainNode = { Type: 'splitter', Name: name, Splits: splits };
    this.recordNode(node);
    for (const split of list(splitter.Splits)) {
      const to = str(split.Service) || service;
      const subset = str(split.ServiceSubset);
      const weight = typeof split.Weight === 'number' ? split.Weight : 0;
      const nested = to !== service && subset === '' ? this.splitterNode(to) : undefined;
      if (nested !== undefined) {
        splits.push({ Weight: weight, NextNode: nodeKey(nested), Definition: split });
        continue;
      }
      const resolver = this.resolverNode(this.newTarget({ service: to, subset }), false);
      splits.push({ Weight: weight, NextNode: nodeKey(resolver), Definition: split });
      // One hash policy per route: the first hash-based balancer among the splits wins.
      if (node.LoadBalancer === undefined && isHashBased(resolver.LoadBalancer)) node.LoadBalancer = resolver.LoadBalancer;
    }
    this.usesAdvancedRouting = true;
    return node;
  }

  /** Follows redirects and the default subset to the target that settles; a repeat is a cycle. */
  private settle(start: ChainTarget): { target: ChainTarget; resolver: ConfigEntry | undefined; cached?: ChainNode } {
    const seen: string[] = [];
    let target = start;
    for (;;) {
      const cached = this.resolverNodes.get(target.ID);
      if (cached !== undefined) return { target, resolver: undefined, cached };
      this.recordProtocol(target.Service);
      const resolver = this.entry('service-resolver', target.Service);
      if (seen.includes(target.ID)) throw chainGraphError(`detected circular resolver redirect: [${[...seen, target.ID].join(' -> ')}]`);
      seen.push(target.ID);
      const redirect = resolver?.Redirect === undefined ? undefined : fields(resolver.Redirect);
      if (redirect !== undefined) {
        const redirected = this.rewriteTarget(target, redirect);
        if (redirected.ID !== target.ID) {
          target = redirected;
          continue;
        }
      }
      const defaultSubset = str(resolver?.DefaultSubset);
      if (target.ServiceSubset === '' && defaultSubset !== '') {
        target = this.rewriteTarget(target, { ServiceSubset: defaultSubset });
        continue;
      }
      return { target, resolver };
    }
  }

  private resolverNode(start: ChainTarget, forFailover: boolean): ChainNode {
    const { target, resolver, cached } = this.settle(start);
    if (cached !== undefined) return cached;
    const subsets = fields(resolver?.Subsets);
    if (target.ServiceSubset !== '' && subsets[target.ServiceSubset] === undefined) {
      throw chainGraphError(`service "${target.Service}" does not have a subset named "${target.ServiceSubset}"`);
    }
    const connectTimeoutMs = this.connectTimeoutMs(resolver);
    target.ConnectTimeout = formatGoDuration(connectTimeoutMs);
    const subset = fields(subsets[target.ServiceSubset]);
    target.Subset = { Filter: str(subset.Filter), OnlyPassing: subset.OnlyPassing === true };
    this.applyServiceDefaults(target, resolver);
    this.retained.add(target.ID);
    const node: ChainNode = {
      Type: 'resolver',
      Name: target.ID,
      Resolver: { ConnectTimeout: target.ConnectTimeout, Default: isDefaultResolver(resolver), Target: target.ID },
      ...(resolver?.LoadBalancer === undefined ? {} : { LoadBalancer: resolver.LoadBalancer }),
    };
    if (forFailover) return node;
    this.recordNode(node);
    const failover = this.failoverTargets(resolver, target).map((each) => this.resolverNode(each, true).Resolver?.Target ?? each.ID);
    if (failover.length > 0 && node.Resolver !== undefined) node.Resolver.Failover = { Targets: failover };
    return node;
  }

  private connectTimeoutMs(resolver: ConfigEntry | undefined): number {
    const configured = parseGoDuration(str(resolver?.ConnectTimeout)) ?? 0;
    let timeoutMs = configured >= 1 ? configured : defaultConnectTimeoutMs;
    const override = this.inputs.overrides?.connectTimeoutMs ?? 0;
    if (override > 0 && override !== timeoutMs) {
      timeoutMs = override;
      this.customizedBy.connectTimeout = true;
    }
    return timeoutMs;
  }

  /** External SNI (the service lives outside the mesh) and the mesh gateway mode. */
  private applyServiceDefaults(target: ChainTarget, resolver: ConfigEntry | undefined): void {
    const defaults = this.entry('service-defaults', target.Service);
    const externalSni = str(defaults?.ExternalSNI);
    if (externalSni !== '') {
      target.SNI = externalSni;
      target.External = true;
      for (const [field, what] of [['Redirect', 'redirects'], ['Subsets', 'subsets'], ['Failover', 'failover']] as const) {
        if (resolver?.[field] !== undefined && Object.keys(fields(resolver[field])).length > 0) {
          throw chainGraphError(`service "${target.Service}" has an external SNI set; cannot define ${what} for external services`);
        }
      }
      target.MeshGateway = {};
      return;
    }
    let mode = str(fields(defaults?.MeshGateway).Mode);
    if (mode === '') mode = str(fields(this.entry('proxy-defaults', proxyDefaultsName)?.MeshGateway).Mode);
    const override = this.inputs.overrides?.meshGatewayMode ?? '';
    if (override !== '' && override !== mode) {
      mode = override;
      this.customizedBy.meshGateway = true;
    }
    target.MeshGateway = mode === '' ? {} : { Mode: mode };
  }

  /** The failover rule for the target's subset (or "*"), as targets other than the target itself. */
  private failoverTargets(resolver: ConfigEntry | undefined, target: ChainTarget): ChainTarget[] {
    const failover = fields(resolver?.Failover);
    const rule = failover[target.ServiceSubset] ?? failover['*'];
    if (rule === undefined) return [];
    const policy = fields(rule);
    const datacenters = Array.isArray(policy.Datacenters) ? (policy.Datacenters as string[]) : [];
    const explicit = list(policy.Targets);
    const candidates = datacenters.length > 0
      ? datacenters.map((datacenter) => this.rewriteTarget(target, { ...policy, Datacenter: datacenter }))
      : explicit.length > 0
        ? explicit.map((each) => this.rewriteTarget(target, each))
        : [this.rewriteTarget(target, policy)];
    return candidates.filter((candidate) => candidate.ID !== target.ID);
  }
}
