// Where one HTTP request goes, from the compiled discovery chain (/v1/discovery-chain/<svc>):
//   router node   → the first route whose Match.HTTP matches (path exact/prefix/regex, methods,
//                   headers, query parameters); its Destination carries timeout, retries, rewrite
//   splitter node → one split, drawn by weight (split.ts, injected Random)
//   resolver node → the target (service, subset, datacenter) and its failover targets
// Pure: the chain is an immutable value replaced whole when the agent reports a new one.

import type { ChainNode, CompiledChain } from '../../connect/discovery-chain.js';
import { type HttpRequestFacts, permissionMatches } from '../../connect/intention-permissions.js';
import type { Random } from '../../lib/random.js';
import { pickSplit } from './split.js';

export interface RequestFacts extends HttpRequestFacts {
  /** Query parameters (first value of each). */
  readonly query: Readonly<Record<string, string>>;
}

export interface RouteDecision {
  /** "default" for a chain without a router, else the index of the matched route ("0", "1", ...). */
  readonly route: string;
  readonly destination: Readonly<Record<string, unknown>>;
  /** The matched route's definition (Match + Destination); undefined without a router. */
  readonly definition?: Readonly<Record<string, unknown>>;
  /** Target IDs in the order to try: the resolver's target, then its failover targets. */
  readonly targets: readonly string[];
}

type Fields = Readonly<Record<string, unknown>>;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
/** A chain is acyclic as compiled; this only guards against a malformed one. */
const hopsMax = 32;

function queryMatches(rules: readonly Fields[], query: Readonly<Record<string, string>>): boolean {
  return rules.every((rule) => {
    const value = query[str(rule.Name)];
    if (rule.Present === true) return value !== undefined;
    if (str(rule.Exact) !== '') return value === str(rule.Exact);
    if (str(rule.Regex) !== '') {
      try {
        return value !== undefined && new RegExp(`^(?:${str(rule.Regex)})$`, 'u').test(value);
      } catch {
        return false;
      }
    }
    return value !== undefined;
  });
}

/** Whether a route's Match accepts the request (no Match, or no HTTP block, matches everything). */
export function routeMatches(definition: Fields, facts: RequestFacts): boolean {
  const http = ((definition.Match as Fields | undefined)?.HTTP ?? {}) as Fields;
  if (!permissionMatches({ Action: 'allow', HTTP: http }, facts)) return false;
  return queryMatches(Array.isArray(http.QueryParam) ? (http.QueryParam as Fields[]) : [], facts.query);
}

export function routeRequest(chain: CompiledChain, facts: RequestFacts, random: Random): RouteDecision | undefined {
  let node: ChainNode | undefined = chain.Nodes[chain.StartNode];
  let route = 'default';
  let destination: Fields = {};
  let definition: Fields | undefined;
  for (let hop = 0; node !== undefined && hop < hopsMax; hop++) {
    switch (node.Type) {
      case 'router': {
        const index = (node.Routes ?? []).findIndex((candidate) => routeMatches(candidate.Definition as Fields, facts));
        const matched = node.Routes?.[index];
        if (matched === undefined) return undefined;
        route = String(index);
        definition = matched.Definition as Fields;
        destination = (definition.Destination ?? {}) as Fields;
        node = chain.Nodes[matched.NextNode];
        break;
      }
      case 'splitter': {
        const split = pickSplit(node.Splits ?? [], random);
        if (split === undefined) return undefined;
        node = chain.Nodes[split.NextNode];
        break;
      }
      case 'resolver': {
        const resolver = node.Resolver;
        if (resolver === undefined) return undefined;
        return { route, destination, definition, targets: [resolver.Target, ...(resolver.Failover?.Targets ?? [])] };
      }
    }
  }
  return undefined;
}

/** The path sent upstream: PrefixRewrite replaces the matched PathPrefix/PathExact. */
export function rewritePath(path: string, definition: Fields | undefined, destination: Fields): string {
  const rewrite = str(destination.PrefixRewrite);
  if (rewrite === '' || definition === undefined) return path;
  const http = ((definition.Match as Fields | undefined)?.HTTP ?? {}) as Fields;
  const prefix = str(http.PathPrefix) || str(http.PathExact);
  return prefix !== '' && path.startsWith(prefix) ? rewrite + path.slice(prefix.length) : path;
}
