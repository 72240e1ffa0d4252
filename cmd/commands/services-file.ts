// Service definitions from files for `services register|deregister FILE...`: the same JSON and
// HCL the agent reads at start (`service { ... }` and `services [ ... ]` blocks), parsed and
// checked by the agent's own config loader, then written back in the API's JSON form. Consul does
// the same (command/services/config.go): load as agent config, convert to the API struct.

import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../src/agent/config/config-error.js';
import { decodeFragment } from '../../src/agent/config/fragment.js';
import { parseConfigText, type ConfigFormat } from '../../src/agent/config/parse.js';
import type { ServiceRegistration } from '../../src/api/index.js';
import { formatGoDuration } from '../../src/lib/duration.js';
import type { Schema } from '../../src/structs/schema.js';
import { serviceDefinitionSchema, type ServiceDefinition } from '../../src/structs/service.js';

export interface ServicesFromFiles {
  readonly services: ServiceRegistration[];
  /** Unknown keys and the like, for the caller to show; they do not stop registration. */
  readonly warnings: string[];
}

/**
 * Reads every file, in order, and returns their service definitions as API registrations.
 * Throws ConfigError (one line naming the file and key) for an unreadable, unparsable or invalid file.
 */
export async function servicesFromFiles(paths: readonly string[]): Promise<ServicesFromFiles> {
  const services: ServiceRegistration[] = [];
  const warnings: string[] = [];
  for (const path of paths) {
    const values = parseConfigText(await readText(path), formatOf(path), path);
    const { config } = decodeFragment({ source: path, values }, warnings);
    services.push(...config.services.map(toRegistration));
  }
  return { services, warnings };
}

function formatOf(path: string): ConfigFormat {
  if (path.endsWith('.json')) return 'json';
  if (path.endsWith('.hcl')) return 'hcl';
  throw new ConfigError(path, '(file name)', 'expected a file ending in .json or .hcl');
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, '(file)', `expected a readable file, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A decoded definition in the API's JSON: zero-valued fields left out, durations as Go strings. */
export function toRegistration(definition: ServiceDefinition): ServiceRegistration {
  return toApiJson(serviceDefinitionSchema, definition) as ServiceRegistration;
}

/**
 * Walks a decoded value with its schema. Struct fields holding their zero value are dropped (the
 * agent fills them back), but map entries and list items are kept as they are: a Meta value ""
 * is data. Durations, milliseconds after decoding, go back to Go's text form ("10s"), which the
 * agent reads unambiguously (a bare number would mean nanoseconds).
 */
function toApiJson(schema: Schema, value: unknown): unknown {
  switch (schema.kind) {
    case 'optional':
      return value === undefined ? undefined : toApiJson(schema.of, value);
    case 'duration':
      return value === 0 ? undefined : formatGoDuration(value as number);
    case 'list':
      return (value as unknown[]).map((item) => toApiJson(schema.of, item));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        Object.defineProperty(out, key, { value: toApiJson(schema.of, item), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(schema.fields)) {
        const encoded = toApiJson(field, (value as Record<string, unknown>)[name]);
        if (!isZero(encoded)) out[name] = encoded;
      }
      return out;
    }
    case 'string':
    case 'int':
    case 'float':
    case 'bool':
    case 'any':
      return value;
  }
}

function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}
