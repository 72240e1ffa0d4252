// Intention writes through the legacy ID API and the exact (source, destination) API, as Consul
// ≥ 1.9 does them: each intention is one source inside the destination's service-intentions
// config entry. These pure helpers turn a write into the new entry (or no entry, when its last
// source goes); the server endpoint validates that entry like any other and proposes it with a
// check-and-set on the entry it read.

import { badRequest } from '../lib/errors.js';
import type { ConfigEntry, ConfigEntryBody } from '../structs/config-entry.js';
import { intentionDefaultNamespace, intentionWildcard } from './intentions.js';

/** The body of POST/PUT /v1/connect/intentions[/:id|/exact] (Consul's Intention, fields we keep). */
export interface IntentionInput {
  readonly ID: string;
  readonly SourceNS: string;
  readonly SourceName: string;
  readonly DestinationNS: string;
  readonly DestinationName: string;
  readonly SourceType: string;
  readonly Action: string;
  readonly Description: string;
  readonly Meta: Readonly<Record<string, string>>;
  readonly Permissions: readonly unknown[];
}

export type IntentionWrite =
  | { readonly op: 'create'; readonly intention: IntentionInput }
  | { readonly op: 'update'; readonly id: string; readonly intention: IntentionInput }
  | { readonly op: 'delete'; readonly id: string }
  | { readonly op: 'upsert-exact'; readonly intention: IntentionInput }
  | { readonly op: 'delete-exact'; readonly source: string; readonly destination: string };

type Source = Readonly<Record<string, unknown>>;

/** Consul's legacy Intention.Validate checks on names, with its messages (first failure). */
export function validateIntentionNames(input: IntentionInput): void {
  const checks: readonly (readonly [string, string])[] = [
    ['SourceName', input.SourceName],
    ['DestinationName', input.DestinationName],
  ];
  for (const [field, value] of checks) {
    if (value === '') throw badRequest(`${field} must be set`);
    if (value !== intentionWildcard && value.includes(intentionWildcard)) throw badRequest(`${field}: wildcard character '*' cannot be used with partial values`);
  }
  for (const [field, value] of [['SourceNS', input.SourceNS], ['DestinationNS', input.DestinationNS]] as const) {
    if (value !== '' && value !== intentionDefaultNamespace) throw badRequest(`${field}: namespaces other than "default" need Consul Enterprise`);
  }
}

/** The stored source for an intention write; legacy writes keep ID, meta and times. */
export function sourceOf(input: IntentionInput, legacy: { readonly id: string; readonly createdAt: string; readonly nowIso: string } | undefined): Source {
  const source: Record<string, unknown> = { Name: input.SourceName, Type: input.SourceType || 'consul' };
  if (input.Permissions.length > 0) source.Permissions = input.Permissions;
  else source.Action = input.Action;
  if (input.Description !== '') source.Description = input.Description;
  if (legacy !== undefined) {
    source.LegacyID = legacy.id;
    source.LegacyMeta = input.Meta;
    source.LegacyCreateTime = legacy.createdAt;
    source.LegacyUpdateTime = legacy.nowIso;
  }
  return source;
}

function sourcesOf(entry: ConfigEntry | undefined): readonly Source[] {
  return Array.isArray(entry?.Sources) ? (entry.Sources as Source[]) : [];
}

/** The destination's entry with `source` in place of any source of the same name. */
export function entryWithSource(existing: ConfigEntry | undefined, destination: string, source: Source): ConfigEntryBody {
  const sources = sourcesOf(existing);
  const at = sources.findIndex((item) => item.Name === source.Name);
  const next = at === -1 ? [...sources, source] : sources.map((item, i) => (i === at ? source : item));
  const base: Record<string, unknown> = existing === undefined ? { Kind: 'service-intentions', Name: destination } : { ...existing };
  delete base.CreateIndex;
  delete base.ModifyIndex;
  return { ...base, Kind: 'service-intentions', Name: destination, Sources: next };
}

/** The entry without the sources `drop` picks; undefined when none is left (delete the entry). */
export function entryWithoutSource(existing: ConfigEntry, drop: (source: Source) => boolean): ConfigEntryBody | undefined {
  const sources = sourcesOf(existing).filter((source) => !drop(source));
  if (sources.length === 0) return undefined;
  const base: Record<string, unknown> = { ...existing, Sources: sources };
  delete base.CreateIndex;
  delete base.ModifyIndex;
  return base as unknown as ConfigEntryBody;
}

/** The entry and source holding a legacy intention ID. */
export function findLegacySource(entries: readonly ConfigEntry[], id: string): { readonly entry: ConfigEntry; readonly source: Source } | undefined {
  for (const entry of entries) {
    const source = sourcesOf(entry).find((item) => item.LegacyID === id);
    if (source !== undefined) return { entry, source };
  }
  return undefined;
}
