// Checks a parsed expression against the schema of the elements it will filter and turns it into
// a CompiledExpression: selectors resolved to steps (selector.ts), each value converted once to
// the type of its field (coerce.ts), each regex compiled once (re2-program.ts). Everything that
// can be wrong with a filter is found here, before any element is read, as go-bexpr v0.1.2's
// validate.go does. Which operators each kind of field accepts (field_config.go):
//   string                      == != in/contains (substring) matches, and is empty
//   integer, number, boolean    == !=
//   list of strings/numbers     in/contains (element membership), is empty
//   list of structs             is empty; select a field to match ANY element (selector.ts)
//   map                         in/contains (key membership), is empty; select a key for its value
//   struct                      none: select one of its fields
// One extension: go-bexpr v0.1.2 has no `is empty` for strings (later versions added it); we
// accept it, meaning the string is "".

import type { Expression, MatchExpression, MatchOperator } from './ast.js';
import { operatorText, selectorText } from './ast.js';
import { unreachable } from '../lib/assert.js';
import type { Schema } from '../structs/schema.js';
import { coerceBool, coerceFloat, coerceInt, type Coercion } from './coerce.js';
import { filterErrorAt } from './filter-error.js';
import { compileRegex, type RegexProgram } from './re2-program.js';
import { describeSchema, resolveSelector, unwrapOptional, type ConcreteSchema, type SelectorStep } from './selector.js';

/** A scalar of the type its field holds. */
export type Scalar = { readonly type: 'string'; readonly value: string } | { readonly type: 'number'; readonly value: number } | { readonly type: 'boolean'; readonly value: boolean };

/** What happens to the selected value. Negated operators (!=, not in, ...) set `negate` instead. */
export type ValueTest =
  | { readonly kind: 'equals'; readonly expected: Scalar }
  | { readonly kind: 'hasSubstring'; readonly needle: string }
  | { readonly kind: 'hasElement'; readonly expected: Scalar }
  | { readonly kind: 'hasKey'; readonly key: string }
  | { readonly kind: 'isEmpty'; readonly container: 'string' | 'list' | 'map' }
  | { readonly kind: 'matchesRegex'; readonly program: RegexProgram };

export type CompiledExpression =
  | { readonly type: 'or'; readonly operands: readonly CompiledExpression[] }
  | { readonly type: 'and'; readonly operands: readonly CompiledExpression[] }
  | { readonly type: 'not'; readonly operand: CompiledExpression }
  | { readonly type: 'match'; readonly steps: readonly SelectorStep[]; readonly test: ValueTest; readonly negate: boolean };

const negatedOperators: ReadonlySet<MatchOperator> = new Set(['notEqual', 'notIn', 'isNotEmpty', 'notMatches']);

export function compileExpression(source: string, expression: Expression, schema: Schema): CompiledExpression {
  switch (expression.type) {
    case 'or':
    case 'and':
      return { type: expression.type, operands: expression.operands.map((operand) => compileExpression(source, operand, schema)) };
    case 'not':
      return { type: 'not', operand: compileExpression(source, expression.operand, schema) };
    case 'match':
      return compileMatch(source, expression, schema);
    default:
      return unreachable(expression);
  }
}

function compileMatch(source: string, match: MatchExpression, schema: Schema): CompiledExpression {
  const resolution = resolveSelector(schema, match.selector.path);
  if (!resolution.ok) throw filterErrorAt(source, match.selector.offset, resolution.reason);
  const test = buildTest(match, resolution.schema);
  if (typeof test === 'string') {
    // An operator the field lacks is the selector's fault; a value that does not convert, the value's.
    const offset = test.startsWith('Invalid match operator') ? match.selector.offset : (match.value?.offset ?? match.selector.offset);
    throw filterErrorAt(source, offset, test);
  }
  return { type: 'match', steps: resolution.steps, test, negate: negatedOperators.has(match.operator) };
}

/** The test for `match` on a field of type `field`, or the message saying why there is none. */
function buildTest(match: MatchExpression, field: ConcreteSchema): ValueTest | string {
  const selector = JSON.stringify(selectorText(match.selector.path));
  const unsupported = `Invalid match operator ${JSON.stringify(operatorText[match.operator])} for selector ${selector}: it is ${describeSchema(field)}, which supports ${supportedOperators(field)}`;
  const coerceFailure = (raw: string, reason: string): string => `Failed to coerce value ${JSON.stringify(raw)} for selector ${selector}: ${reason}`;
  switch (match.operator) {
    case 'isEmpty':
    case 'isNotEmpty': {
      const container = field.kind === 'string' || field.kind === 'list' || field.kind === 'map' ? field.kind : undefined;
      return container === undefined ? unsupported : { kind: 'isEmpty', container };
    }
    case 'equal':
    case 'notEqual': {
      if (!isScalar(field)) return unsupported;
      const expected = coerceScalar(field, match.value.raw);
      return expected.ok ? { kind: 'equals', expected: expected.value } : coerceFailure(match.value.raw, expected.reason);
    }
    case 'in':
    case 'notIn':
      return buildMembershipTest(match.value.raw, field, unsupported, coerceFailure);
    case 'matches':
    case 'notMatches': {
      if (field.kind !== 'string') return unsupported;
      const compiled = compileRegex(match.value.raw);
      return compiled.ok ? { kind: 'matchesRegex', program: compiled.program } : `Failed to compile regular expression ${JSON.stringify(match.value.raw)}: ${compiled.reason}`;
    }
    default:
      return unreachable(match);
  }
}

function buildMembershipTest(raw: string, field: ConcreteSchema, unsupported: string, coerceFailure: (raw: string, reason: string) => string): ValueTest | string {
  switch (field.kind) {
    case 'string':
      return { kind: 'hasSubstring', needle: raw };
    case 'map':
      return { kind: 'hasKey', key: raw };
    case 'list': {
      const element = unwrapOptional(field.of);
      if (!isScalar(element)) return unsupported;
      const expected = coerceScalar(element, raw);
      return expected.ok ? { kind: 'hasElement', expected: expected.value } : coerceFailure(raw, expected.reason);
    }
    case 'int':
    case 'float':
    case 'bool':
    case 'duration':
    case 'struct':
    case 'any':
      return unsupported;
    default:
      return unreachable(field);
  }
}

type ScalarSchema = Extract<ConcreteSchema, { kind: 'string' | 'int' | 'float' | 'bool' | 'duration' }>;

function isScalar(schema: ConcreteSchema): schema is ScalarSchema {
  return schema.kind === 'string' || schema.kind === 'int' || schema.kind === 'float' || schema.kind === 'bool' || schema.kind === 'duration';
}

/** The literal as a value of the field's type. Durations compare as the integers they are in Go. */
function coerceScalar(schema: ScalarSchema, raw: string): Coercion<Scalar> {
  const wrap = <T extends Scalar['type']>(type: T, coercion: Coercion<Extract<Scalar, { type: T }>['value']>): Coercion<Scalar> =>
    coercion.ok ? { ok: true, value: { type, value: coercion.value } as Scalar } : coercion;
  switch (schema.kind) {
    case 'string':
      return { ok: true, value: { type: 'string', value: raw } };
    case 'int':
    case 'duration':
      return wrap('number', coerceInt(raw));
    case 'float':
      return wrap('number', coerceFloat(raw));
    case 'bool':
      return wrap('boolean', coerceBool(raw));
    default:
      return unreachable(schema);
  }
}

function supportedOperators(schema: ConcreteSchema): string {
  switch (schema.kind) {
    case 'string':
      return '==, !=, in, contains, matches and is empty';
    case 'int':
    case 'float':
    case 'bool':
    case 'duration':
      return '== and !=';
    case 'list':
      return isScalar(unwrapOptional(schema.of)) ? 'in, contains and is empty' : 'is empty (select a field of its elements to match any of them)';
    case 'map':
      return 'in, contains (on its keys) and is empty, or select a key';
    case 'struct':
      return 'no operators: select one of its fields';
    case 'any':
      return 'no operators';
    default:
      return unreachable(schema);
  }
}
