// Resolves a selector path against a schema, as go-bexpr v0.1.2's validate.go does against the
// FieldConfigurations it derives from Go types (field_config.go), so a wrong name fails when the
// filter is created, before any data is read:
//   struct   a segment names a field, exactly: names are case-sensitive (`service.port` is not
//            valid) and fields marked unfilterable (Consul's bexpr:"-") or holding opaque JSON
//            cannot be selected
//   map      a segment is any key (`Meta.env`, `Meta["k-1"]`); the rest applies to the value.
//            A map of opaque values (map[string]interface{}) allows no key selection, only
//            `in` / `is empty` on the map itself
//   list     a segment passes through to the elements (`Checks.Status`): at evaluation the
//            match holds if it holds for ANY element (evaluate.go iterates and stops at the first
//            true). Lists of lists flatten the same way. go-bexpr ≥ 0.1.3 (pointerstructure)
//            errors on this form instead; Consul still pins 0.1.2, so its behaviour is the one
//            Consul users rely on.
//   other    nothing below a string, number or bool (`Service.Port.Foo` is not valid)
// The error names the selector up to the segment that failed, as go-bexpr does.

import type { Schema, StructSchema } from '../structs/schema.js';
import { unreachable } from '../lib/assert.js';
import { selectorText } from './ast.js';

/** One step of evaluation from an element down to the selected value. */
export type SelectorStep =
  /** A struct field: absent in the JSON means Go's zero value for its type. */
  | { readonly kind: 'field'; readonly name: string }
  /** A map key: absent means "not present", which each operator answers in its own way. */
  | { readonly kind: 'key'; readonly key: string }
  /** A list passed through: the remaining steps run on each element, any match suffices. */
  | { readonly kind: 'each' };

/** A schema with any `optional` wrappers removed: what a selector actually reaches. */
export type ConcreteSchema = Exclude<Schema, { kind: 'optional' }>;

export type Resolution =
  | { readonly ok: true; readonly steps: readonly SelectorStep[]; readonly schema: ConcreteSchema }
  | { readonly ok: false; readonly reason: string };

export function resolveSelector(root: Schema, path: readonly string[]): Resolution {
  const steps: SelectorStep[] = [];
  let schema = unwrapOptional(root);
  for (let index = 0; index < path.length; index++) {
    const segment = path[index] as string;
    const invalid = (why: string): Resolution => ({ ok: false, reason: `Selector ${JSON.stringify(selectorText(path.slice(0, index + 1)))} is not valid: ${why}` });
    // Lists are transparent: step into the elements and resolve the same segment there.
    while (schema.kind === 'list') {
      steps.push({ kind: 'each' });
      schema = unwrapOptional(schema.of);
    }
    switch (schema.kind) {
      case 'struct': {
        const field = structField(schema, segment);
        if (typeof field === 'string') return invalid(field);
        steps.push({ kind: 'field', name: segment });
        schema = field;
        break;
      }
      case 'map': {
        const value = unwrapOptional(schema.of);
        if (value.kind === 'any') return invalid(`the values of ${selectorText(path.slice(0, index)) || 'this map'} are opaque JSON and cannot be selected`);
        steps.push({ kind: 'key', key: segment });
        schema = value;
        break;
      }
      case 'string':
      case 'int':
      case 'float':
      case 'bool':
      case 'duration':
      case 'any':
        return invalid(`${selectorText(path.slice(0, index)) || 'the element'} is ${describeSchema(schema)} and has no fields`);
      default:
        return unreachable(schema);
    }
  }
  return { ok: true, steps, schema };
}

/** The field's schema, or why it cannot be selected. */
function structField(schema: StructSchema, name: string): ConcreteSchema | string {
  if (!Object.hasOwn(schema.fields, name)) {
    const folded = Object.keys(schema.fields).find((field) => field.toLowerCase() === name.toLowerCase());
    const hint = folded === undefined ? '' : ` (field names are case-sensitive: did you mean "${folded}"?)`;
    return `${schema.name} has no field ${JSON.stringify(name)}${hint}`;
  }
  const field = unwrapOptional(schema.fields[name] as Schema);
  if (schema.unfilterable.includes(name) || field.kind === 'any') return `${schema.name}.${name} cannot be used in filters`;
  return field;
}

/** Optional fields select as their inner type; absence reads as the zero value. */
export function unwrapOptional(schema: Schema): ConcreteSchema {
  let current = schema;
  while (current.kind === 'optional') current = current.of;
  return current;
}

/** "a string", "a list of strings", "a NodeService": how a schema is named in messages. */
export function describeSchema(schema: Schema): string {
  switch (schema.kind) {
    case 'string':
      return 'a string';
    case 'int':
      return 'an integer';
    case 'float':
      return 'a number';
    case 'bool':
      return 'a boolean';
    case 'duration':
      return 'a duration';
    case 'any':
      return 'opaque JSON';
    case 'list':
      return `a list of ${pluralOf(schema.of)}`;
    case 'map':
      return `a map of ${pluralOf(schema.of)}`;
    case 'struct':
      return `a ${schema.name}`;
    case 'optional':
      return describeSchema(schema.of);
    default:
      return unreachable(schema);
  }
}

/** "strings", "HealthCheck objects": the elements of a list or the values of a map. */
function pluralOf(schema: Schema): string {
  const concrete = unwrapOptional(schema);
  switch (concrete.kind) {
    case 'string':
    case 'bool':
    case 'duration':
      return `${concrete.kind === 'bool' ? 'boolean' : concrete.kind}s`;
    case 'int':
      return 'integers';
    case 'float':
      return 'numbers';
    case 'any':
      return 'opaque JSON values';
    case 'struct':
      return `${concrete.name} objects`;
    case 'list':
      return `lists of ${pluralOf(concrete.of)}`;
    case 'map':
      return `maps of ${pluralOf(concrete.of)}`;
    default:
      return unreachable(concrete);
  }
}
