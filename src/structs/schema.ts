// Schemas describe the shapes of Consul's JSON objects once, and serve three jobs:
//   1. decode(): turn untrusted JSON (HTTP bodies, config files) into typed values, matching keys
//      as Go's encoding/json does (case-insensitively) plus snake_case, filling Go's zero values
//      for absent fields, and naming the exact path of a wrong type;
//   2. the ?filter= language resolves selectors (Service.Meta.env) against them;
//   3. the TypeScript types of decoded values are inferred from them (Infer<S>).
// Unknown keys are ignored, as Consul's HTTP API ignores them, and reported so that config files
// can warn about them.

import { parseGoDuration } from '../lib/duration.js';

export interface StringSchema { readonly kind: 'string' }
export interface IntSchema { readonly kind: 'int'; readonly min: number; readonly max: number }
export interface FloatSchema { readonly kind: 'float' }
export interface BoolSchema { readonly kind: 'bool' }
/** A Go time.Duration: a string such as "10s" or a number of nanoseconds; decodes to milliseconds. */
export interface DurationSchema { readonly kind: 'duration' }
/** Opaque JSON kept as given (e.g. Proxy.Config). */
export interface AnySchema { readonly kind: 'any' }
export interface ListSchema<E extends Schema = Schema> { readonly kind: 'list'; readonly of: E }
/** A map with user-chosen string keys (Meta, TaggedAddresses): keys are kept exactly. */
export interface MapSchema<V extends Schema = Schema> { readonly kind: 'map'; readonly of: V }
export interface StructSchema<F extends Fields = Fields> {
  readonly kind: 'struct';
  /** The Go type name, used in error messages and filter errors. */
  readonly name: string;
  readonly fields: F;
  /** Alternative input keys → field name (e.g. "id" → "CheckID"), matched like field names. */
  readonly aliases: Readonly<Record<string, keyof F & string>>;
  /** Fields the ?filter= language may not select (Consul tags them bexpr:"-"). */
  readonly unfilterable: readonly string[];
}
/** A field whose absence matters: decodes to undefined instead of the zero value. */
export interface OptionalSchema<S extends Schema = Schema> { readonly kind: 'optional'; readonly of: S }

export type Schema =
  | StringSchema
  | IntSchema
  | FloatSchema
  | BoolSchema
  | DurationSchema
  | AnySchema
  | ListSchema<Schema>
  | MapSchema<Schema>
  | StructSchema<Fields>
  | OptionalSchema<Schema>;

export type Fields = { readonly [name: string]: Schema };

export type Infer<S extends Schema> = S extends StringSchema
  ? string
  : S extends IntSchema | FloatSchema | DurationSchema
    ? number
    : S extends BoolSchema
      ? boolean
      : S extends AnySchema
        ? unknown
        : S extends ListSchema<infer E>
          ? Infer<E>[]
          : S extends MapSchema<infer V>
            ? Record<string, Infer<V>>
            : S extends OptionalSchema<infer O>
              ? Infer<O> | undefined
              : S extends StructSchema<infer F>
                ? { [K in keyof F]: Infer<F[K]> }
                : never;

export const s = {
  string: (): StringSchema => ({ kind: 'string' }),
  int: (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): IntSchema => ({ kind: 'int', min, max }),
  uint: (max = Number.MAX_SAFE_INTEGER): IntSchema => ({ kind: 'int', min: 0, max }),
  float: (): FloatSchema => ({ kind: 'float' }),
  bool: (): BoolSchema => ({ kind: 'bool' }),
  duration: (): DurationSchema => ({ kind: 'duration' }),
  any: (): AnySchema => ({ kind: 'any' }),
  list: <E extends Schema>(of: E): ListSchema<E> => ({ kind: 'list', of }),
  map: <V extends Schema>(of: V): MapSchema<V> => ({ kind: 'map', of }),
  optional: <S extends Schema>(of: S): OptionalSchema<S> => ({ kind: 'optional', of }),
  struct: <F extends Fields>(
    name: string,
    fields: F,
    options: { aliases?: Record<string, keyof F & string>; unfilterable?: readonly (keyof F & string)[] } = {},
  ): StructSchema<F> => ({ kind: 'struct', name, fields, aliases: options.aliases ?? {}, unfilterable: options.unfilterable ?? [] }),
};

/** A decode failure: `path` is the dotted location of the bad value, `expected` what should be there. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${path === '' ? 'body' : path}: expected ${expected}, got ${got}`);
  }
}

export interface DecodeOptions {
  /**
   * Config-file mode, as Consul's mapstructure decoding with WeaklyTypedInput: "8500" → 8500,
   * "true" → true, and a one-element list (an HCL block) where an object is expected → the object.
   */
  readonly weak?: boolean;
  /** Receives the path of every key that matched no field. */
  readonly onUnknownKey?: (path: string) => void;
}

export function decode<S extends Schema>(schema: S, value: unknown, options: DecodeOptions = {}, path = ''): Infer<S> {
  return decodeAny(schema, value, options, path) as Infer<S>;
}

/** The value a Go struct field holds when JSON leaves it out. */
export function zeroValue<S extends Schema>(schema: S): Infer<S> {
  return zeroOf(schema) as Infer<S>;
}

function zeroOf(schema: Schema): unknown {
  switch (schema.kind) {
    case 'string':
      return '';
    case 'int':
    case 'float':
    case 'duration':
      return 0;
    case 'bool':
      return false;
    case 'any':
    case 'optional':
      return undefined;
    case 'list':
      return [];
    case 'map':
      return {};
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(schema.fields)) out[name] = zeroOf(field);
      return out;
    }
  }
}

/** Normalises a key as Go matches JSON keys to fields, plus snake_case: "Enable_Tag_Override" → "enabletagoverride". */
export function foldKey(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase();
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}

function decodeAny(schema: Schema, value: unknown, options: DecodeOptions, path: string): unknown {
  if (schema.kind === 'optional') return value === undefined || value === null ? undefined : decodeAny(schema.of, value, options, path);
  if (value === undefined || value === null) return zeroOf(schema);
  switch (schema.kind) {
    case 'string':
      return decodeString(value, options, path);
    case 'int':
      return decodeInt(schema, value, options, path);
    case 'float':
      return decodeFloat(value, options, path);
    case 'bool':
      return decodeBool(value, options, path);
    case 'duration':
      return decodeDuration(value, path);
    case 'any':
      return value;
    case 'list':
      return decodeList(schema, value, options, path);
    case 'map':
      return decodeMap(schema, unwrapBlock(value, options), options, path);
    case 'struct':
      return decodeStruct(schema, unwrapBlock(value, options), options, path);
  }
}

function decodeString(value: unknown, options: DecodeOptions, path: string): string {
  if (typeof value === 'string') return value;
  if (options.weak && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  throw new DecodeError(path, 'a string', describe(value));
}

function decodeInt(schema: IntSchema, value: unknown, options: DecodeOptions, path: string): number {
  const number = options.weak && typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  const range = schema.min === 0 ? 'a non-negative integer' : 'an integer';
  if (typeof number !== 'number' || !Number.isInteger(number)) throw new DecodeError(path, range, describe(value));
  if (number < schema.min || number > schema.max) {
    throw new DecodeError(path, `an integer from ${schema.min} to ${schema.max}`, describe(value));
  }
  return number;
}

function decodeFloat(value: unknown, options: DecodeOptions, path: string): number {
  const number = options.weak && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw new DecodeError(path, 'a number', describe(value));
  return number;
}

function decodeBool(value: unknown, options: DecodeOptions, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (options.weak && typeof value === 'string') {
    if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(value)) return true;
    if (['false', '0', 'f', 'F', 'FALSE', 'False', ''].includes(value)) return false;
  }
  if (options.weak && typeof value === 'number') return value !== 0;
  throw new DecodeError(path, 'true or false', describe(value));
}

function decodeDuration(value: unknown, path: string): number {
  // Go's time.Duration decodes from a number of nanoseconds; Consul's decode hooks add strings.
  if (typeof value === 'number' && Number.isFinite(value)) return value / 1e6;
  if (typeof value === 'string') {
    const ms = parseGoDuration(value);
    if (ms !== undefined) return ms;
  }
  throw new DecodeError(path, 'a duration such as "10s" or "1m30s"', describe(value));
}

function decodeList(schema: ListSchema, value: unknown, options: DecodeOptions, path: string): unknown[] {
  if (!Array.isArray(value)) {
    if (options.weak) return [decodeAny(schema.of, value, options, `${path}[0]`)];
    throw new DecodeError(path, 'a list', describe(value));
  }
  return value.map((item, i) => decodeAny(schema.of, item, options, `${path}[${i}]`));
}

/** HCL turns `ports { ... }` into a list holding one object; in weak mode that list stands for the object. */
function unwrapBlock(value: unknown, options: DecodeOptions): unknown {
  if (options.weak && Array.isArray(value) && value.length === 1) return value[0];
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeMap(schema: MapSchema, value: unknown, options: DecodeOptions, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new DecodeError(path, 'an object', describe(value));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty, not assignment: a user key "__proto__" must stay a key, not a prototype.
    Object.defineProperty(out, key, { value: decodeAny(schema.of, item, options, joinPath(path, key)), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const fieldIndexCache = new WeakMap<StructSchema, Map<string, string>>();

/** Folded key → field name, built once per schema. */
function fieldIndex(schema: StructSchema): Map<string, string> {
  let index = fieldIndexCache.get(schema);
  if (index === undefined) {
    index = new Map();
    for (const name of Object.keys(schema.fields)) index.set(foldKey(name), name);
    for (const [alias, name] of Object.entries(schema.aliases)) index.set(foldKey(alias), name);
    fieldIndexCache.set(schema, index);
  }
  return index;
}

function decodeStruct(schema: StructSchema, value: unknown, options: DecodeOptions, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new DecodeError(path, `an object (${schema.name})`, describe(value));
  const index = fieldIndex(schema);
  const out = zeroOf(schema) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) {
    const name = index.get(foldKey(key));
    if (name === undefined) {
      options.onUnknownKey?.(joinPath(path, key));
      continue;
    }
    out[name] = decodeAny(schema.fields[name] as Schema, item, options, joinPath(path, key));
  }
  return out;
}

function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
