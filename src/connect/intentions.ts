// Intentions: which services may connect to which (Consul's agent/structs/intention.go and the
// state store's intention matching). Since Consul 1.9 they are stored as service-intentions
// config entries, one per destination with a list of sources; this module flattens those into
// Intention records and decides, purely, what applies to a connection.
//
// Precedence (Consul's UpdatePrecedence): more exact values win, the destination counting more
// than the source. With the namespace always exact ("default"), the four orders are
//   9  source exact    → destination exact
//   8  source *        → destination exact
//   6  source exact    → destination *
//   5  source *        → destination *
// and among equal precedence the (source ns, source, destination ns, destination) tuple sorts
// lexicographically (IntentionPrecedenceSorter), which keeps answers stable. The first intention
// of that order matching a connection decides it; with none, the default decision (the ACL
// default policy, allow when ACLs are off) applies.

import { unreachable } from '../lib/assert.js';
import type { ConfigEntry } from '../structs/config-entry.js';

export const intentionWildcard = '*';
export const intentionDefaultNamespace = 'default';

export type IntentionAction = 'allow' | 'deny';

/** An L7 permission of a source (Consul's IntentionPermission). */
export interface IntentionPermission {
  readonly Action: IntentionAction;
  readonly HTTP?: Readonly<Record<string, unknown>>;
}

/** One source → destination rule, as /v1/connect/intentions shows it. */
export interface Intention {
  readonly ID: string;
  readonly Description: string;
  readonly SourceNS: string;
  readonly SourceName: string;
  readonly DestinationNS: string;
  readonly DestinationName: string;
  readonly SourceType: string;
  /** "" when the source has L7 permissions instead. */
  readonly Action: IntentionAction | '';
  readonly Permissions: readonly IntentionPermission[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Precedence: number;
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

function exactCount(namespace: string, name: string): number {
  if (namespace === intentionWildcard) return 0;
  return name === intentionWildcard ? 1 : 2;
}

/** Consul's UpdatePrecedence: 9, 8, 6 or 5 for the default namespace (see the header). */
export function intentionPrecedence(sourceName: string, destinationName: string, sourceNs = intentionDefaultNamespace, destinationNs = intentionDefaultNamespace): number {
  const max = [3, 6, 9][exactCount(destinationNs, destinationName)] as number;
  return max - (2 - exactCount(sourceNs, sourceName));
}

/** IntentionPrecedenceSorter: higher precedence first, then the name tuple. */
export function compareIntentions(a: Intention, b: Intention): number {
  if (a.Precedence !== b.Precedence) return b.Precedence - a.Precedence;
  const left = [a.SourceNS, a.SourceName, a.DestinationNS, a.DestinationName];
  const right = [b.SourceNS, b.SourceName, b.DestinationNS, b.DestinationName];
  for (let i = 0; i < left.length; i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

type Source = Readonly<Record<string, unknown>>;

const asString = (value: unknown): string => (typeof value === 'string' ? value : '');

function sourceToIntention(entry: ConfigEntry, source: Source): Intention {
  const name = asString(source.Name);
  const namespace = asString(source.Namespace) || intentionDefaultNamespace;
  const permissions = Array.isArray(source.Permissions) ? (source.Permissions as IntentionPermission[]) : [];
  const legacyMeta = source.LegacyMeta as Record<string, string> | undefined;
  const action = asString(source.Action);
  return {
    ID: asString(source.LegacyID),
    Description: asString(source.Description),
    SourceNS: namespace,
    SourceName: name,
    DestinationNS: asString(entry.Namespace) || intentionDefaultNamespace,
    DestinationName: entry.Name,
    SourceType: asString(source.Type) || 'consul',
    Action: action === 'allow' || action === 'deny' ? action : '',
    Permissions: permissions,
    Meta: legacyMeta ?? (entry.Meta as Record<string, string> | undefined) ?? {},
    Precedence: intentionPrecedence(name, entry.Name, namespace, asString(entry.Namespace) || intentionDefaultNamespace),
    CreatedAt: asString(source.LegacyCreateTime) || '0001-01-01T00:00:00Z',
    UpdatedAt: asString(source.LegacyUpdateTime) || '0001-01-01T00:00:00Z',
    CreateIndex: entry.CreateIndex,
    ModifyIndex: entry.ModifyIndex,
  };
}

/** Every source of every service-intentions entry as an Intention, in precedence order. */
export function intentionsOf(entries: readonly ConfigEntry[]): Intention[] {
  const out: Intention[] = [];
  for (const entry of entries) {
    if (entry.Kind !== 'service-intentions') continue;
    const sources = Array.isArray(entry.Sources) ? (entry.Sources as Source[]) : [];
    for (const source of sources) out.push(sourceToIntention(entry, source));
  }
  return out.sort(compareIntentions);
}

export type MatchType = 'source' | 'destination';

/** Intentions that apply to `name` on the given side: exact name or wildcard, in precedence order. */
export function matchIntentions(intentions: readonly Intention[], type: MatchType, name: string): Intention[] {
  return intentions.filter((intention) => {
    const value = type === 'destination' ? intention.DestinationName : intention.SourceName;
    return value === name || value === intentionWildcard;
  });
}

/**
 * Intentions grouped by destination, each list in precedence order and holding the wildcard
 * destinations too, so a decision walks only what can apply to its destination (Consul's agent
 * caches the same per-destination match). Built once per intentions write.
 */
export class IntentionsByDestination {
  private readonly exact = new Map<string, readonly Intention[]>();
  private readonly wildcard: readonly Intention[];

  constructor(sorted: readonly Intention[]) {
    this.wildcard = Object.freeze(sorted.filter((intention) => intention.DestinationName === intentionWildcard));
    const names = new Set(sorted.map((intention) => intention.DestinationName).filter((name) => name !== intentionWildcard));
    for (const name of names) this.exact.set(name, Object.freeze(matchIntentions(sorted, 'destination', name)));
  }

  /** The intentions whose destination is `name` or `*`, in precedence order. */
  matching(name: string): readonly Intention[] {
    return this.exact.get(name) ?? this.wildcard;
  }
}

/** The intention that decides a connection from `source` to `destination`, if any. */
export function decidingIntention(intentions: readonly Intention[], source: string, destination: string): Intention | undefined {
  for (const intention of intentions) {
    const destinationMatches = intention.DestinationName === destination || intention.DestinationName === intentionWildcard;
    const sourceMatches = intention.SourceName === source || intention.SourceName === intentionWildcard;
    if (destinationMatches && sourceMatches) return intention;
  }
  return undefined;
}

/** How a connection was decided: by an L4 intention, by an L7 one (needs the request), or by default. */
export type IntentionDecision =
  | { readonly kind: 'l4'; readonly allowed: boolean; readonly intention: Intention }
  | { readonly kind: 'l7'; readonly intention: Intention }
  | { readonly kind: 'default'; readonly allowed: boolean };

export function decideConnection(intentions: readonly Intention[], source: string, destination: string, defaultAllow: boolean): IntentionDecision {
  const intention = decidingIntention(intentions, source, destination);
  if (intention === undefined) return { kind: 'default', allowed: defaultAllow };
  if (intention.Permissions.length > 0) return { kind: 'l7', intention };
  return { kind: 'l4', allowed: intention.Action === 'allow', intention };
}

/** Consul's Intention.String(), used in authorize reasons. */
export function describeIntention(intention: Intention): string {
  const id = intention.ID === '' ? '' : `ID: ${intention.ID}, `;
  const detail = intention.Permissions.length > 0 ? `Permissions: ${intention.Permissions.length}` : `Action: ${intention.Action.toUpperCase()}`;
  return `${intention.SourceNS}/${intention.SourceName} => ${intention.DestinationNS}/${intention.DestinationName} (${id}Precedence: ${intention.Precedence}, ${detail})`;
}

/** What /v1/agent/connect/authorize and /check report for a decision (Consul's reasons). */
export interface DecisionSummary {
  /** L7 intentions answer false: the proxy decides per request (Consul's authorize does the same). */
  readonly allowed: boolean;
  readonly reason: string;
  readonly l7: boolean;
}

export function summarizeDecision(decision: IntentionDecision): DecisionSummary {
  switch (decision.kind) {
    case 'l4':
      return { allowed: decision.allowed, reason: `Matched L4 intention: ${describeIntention(decision.intention)}`, l7: false };
    case 'l7':
      return { allowed: false, reason: `Matched L7 intention: ${describeIntention(decision.intention)}`, l7: true };
    case 'default':
      return { allowed: decision.allowed, reason: 'Default behavior configured by ACLs', l7: false };
    default:
      return unreachable(decision);
  }
}
