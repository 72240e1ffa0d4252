// Lays decoded fragments over each other, in order, with the rules of Consul's Merge
// (agent/config/merge.go):
//   - a scalar set by a later fragment replaces the earlier value; unset (undefined) keeps it;
//   - lists append (retry_join, recursors, services, checks, ...);
//   - maps overlay key by key (node_meta, dns_config.service_ttl, connect.ca_config);
//   - blocks (ports, dns_config, acl, ...) merge field by field with these same rules.
// While merging it records, for every value, which source set it and how that source names the
// key, so that the builder's errors can say `/etc/taxiway/b.hcl: ports.http: ...` or
// `command line: -http-port: ...` for a value it finds wrong after the merge.

import { AssertionError, unreachable } from '../../lib/assert.js';
import { zeroValue, type Schema, type StructSchema } from '../../structs/schema.js';
import { ConfigError } from './config-error.js';
import { fileConfigSchema, type FileConfig } from './file-schema.js';
import { labelOf, type DecodedFragment } from './fragment.js';

/** Which source set a value, and the key as that source spells it. */
export interface Origin {
  readonly source: string;
  readonly label: string;
}

/** Origins by dotted path: "ports.http", "retry_join[3]", "node_meta.rack". */
export class Origins {
  private readonly byPath = new Map<string, Origin>();

  set(path: string, origin: Origin): void {
    this.byPath.set(path, origin);
  }

  /** The origin of a value; a value no source set (a missing required one) is "configuration". */
  of(path: string): Origin {
    return this.byPath.get(path) ?? { source: 'configuration', label: path };
  }

  /** Throws the ConfigError for a bad value at `path`, naming whoever set it. */
  fail(path: string, problem: string): never {
    const origin = this.of(path);
    throw new ConfigError(origin.source, origin.label, problem);
  }
}

export interface MergedConfig {
  readonly config: FileConfig;
  readonly origins: Origins;
}

export function mergeFragments(fragments: readonly DecodedFragment[]): MergedConfig {
  const origins = new Origins();
  let config = zeroValue(fileConfigSchema);
  for (const fragment of fragments) {
    config = mergeStruct(fileConfigSchema as unknown as StructSchema, config, fragment.config, '', fragment, origins) as FileConfig;
  }
  return { config, origins };
}

function mergeStruct(
  schema: StructSchema,
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
  path: string,
  fragment: DecodedFragment,
  origins: Origins,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [name, field] of Object.entries(schema.fields)) {
    out[name] = mergeField(field, base[name], patch[name], path === '' ? name : `${path}.${name}`, fragment, origins);
  }
  return out;
}

function mergeField(field: Schema, base: unknown, patch: unknown, path: string, fragment: DecodedFragment, origins: Origins): unknown {
  const source = fragment.source;
  switch (field.kind) {
    case 'optional':
      if (patch === undefined) return base;
      origins.set(path, { source, label: labelOf(fragment.keyLabels, path) });
      return patch;
    case 'list': {
      const merged = [...(base as unknown[]), ...(patch as unknown[])];
      (patch as unknown[]).forEach((_item, index) => {
        const mergedIndex = merged.length - (patch as unknown[]).length + index;
        origins.set(`${path}[${mergedIndex}]`, { source, label: fragment.keyLabels[path] ?? `${path}[${index}]` });
      });
      if ((patch as unknown[]).length > 0) origins.set(path, { source, label: labelOf(fragment.keyLabels, path) });
      return merged;
    }
    case 'map': {
      const entries = Object.entries(patch as Record<string, unknown>);
      for (const [key] of entries) origins.set(`${path}.${key}`, { source, label: fragment.keyLabels[path] ?? `${path}.${key}` });
      if (entries.length > 0) origins.set(path, { source, label: labelOf(fragment.keyLabels, path) });
      // Spread keeps a key named "__proto__" as an own key, as the decoder created it.
      return { ...(base as Record<string, unknown>), ...(patch as Record<string, unknown>) };
    }
    case 'struct':
      return mergeStruct(field, base as Record<string, unknown>, patch as Record<string, unknown>, path, fragment, origins);
    case 'string':
    case 'int':
    case 'float':
    case 'bool':
    case 'duration':
    case 'any':
      // The file schema keeps every scalar optional so that "unset" can be told from "zero".
      throw new AssertionError(`config schema field ${path} must be optional, list, map or struct`);
    default:
      return unreachable(field);
  }
}
