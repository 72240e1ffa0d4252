// Runs a CompiledExpression against one element: a plain JSON-shaped object with the field names
// of the schema it was compiled for. Behaviour follows go-bexpr v0.1.2's evaluate.go:
//   and / or       short-circuit, left to right
//   struct field   a field absent from the JSON is Go's zero value for its type ("" 0 false,
//                  empty list, empty map): Consul's structs always have every field, and JSON
//                  leaves out zero ones (omitempty), so `Service.Kind == ""` holds for a typical
//                  service whose Kind is not in its JSON
//   list (passed through)  true if the rest of the match holds for ANY element, so over an
//                  empty list every operator, even !=, is false; negated operators apply per
//                  element (`Checks.Status != passing` means "some check is not passing")
//   map key        a missing key answers without a value: ==, in, is not empty, matches → false;
//                  !=, not in, is empty, not matches → true (go-bexpr's later NotPresentDisposition;
//                  v0.1.2 also answered true for `matches`, which made `matches` and `not matches`
//                  both true, a bug fixed upstream that we do not copy)
//   maps' keys are looked up as own properties only, so "__proto__" or "constructor" in a filter
//   never reaches Object.prototype.
// A value whose JSON type contradicts the schema is our bug, not the user's, so it fails an
// assertion rather than quietly matching or not.

import { assert, unreachable } from '../lib/assert.js';
import type { CompiledExpression, Scalar, ValueTest } from './compile.js';
import { regexSearch } from './re2-program.js';

export function evaluate(expression: CompiledExpression, element: unknown): boolean {
  switch (expression.type) {
    case 'or':
      return expression.operands.some((operand) => evaluate(operand, element));
    case 'and':
      return expression.operands.every((operand) => evaluate(operand, element));
    case 'not':
      return !evaluate(expression.operand, element);
    case 'match':
      return evaluateMatch(expression, 0, element);
    default:
      return unreachable(expression);
  }
}

type CompiledMatch = Extract<CompiledExpression, { type: 'match' }>;

/** Follows the selector from step `index` on `value`, then applies the test. */
function evaluateMatch(match: CompiledMatch, index: number, value: unknown): boolean {
  const step = match.steps[index];
  if (step === undefined) return applyTest(match.test, value) !== match.negate;
  switch (step.kind) {
    case 'field':
      return evaluateMatch(match, index + 1, ownProperty(readObject(value), step.name));
    case 'key': {
      const map = readObject(value);
      if (!Object.hasOwn(map, step.key)) return answerMissingKey(match);
      return evaluateMatch(match, index + 1, map[step.key]);
    }
    case 'each':
      return readList(value).some((item) => evaluateMatch(match, index + 1, item));
    default:
      return unreachable(step);
  }
}

/** A missing key is nothing: equal to nothing, containing nothing, empty. */
function answerMissingKey(match: CompiledMatch): boolean {
  return (match.test.kind === 'isEmpty') !== match.negate;
}

function applyTest(test: ValueTest, value: unknown): boolean {
  switch (test.kind) {
    case 'equals':
      return scalarEquals(test.expected, value);
    case 'hasSubstring':
      return readString(value).includes(test.needle);
    case 'hasElement':
      return readList(value).some((item) => scalarEquals(test.expected, item));
    case 'hasKey':
      return Object.hasOwn(readObject(value), test.key);
    case 'isEmpty':
      switch (test.container) {
        case 'string':
          return readString(value) === '';
        case 'list':
          return readList(value).length === 0;
        case 'map':
          return Object.keys(readObject(value)).length === 0;
        default:
          return unreachable(test.container);
      }
    case 'matchesRegex':
      return regexSearch(test.program, readString(value));
    default:
      return unreachable(test);
  }
}

function scalarEquals(expected: Scalar, value: unknown): boolean {
  switch (expected.type) {
    case 'string':
      return readString(value) === expected.value;
    case 'number':
      return readNumber(value) === expected.value;
    case 'boolean':
      return readBoolean(value) === expected.value;
    default:
      return unreachable(expected);
  }
}

// ---- reading JSON values, with absent meaning Go's zero value ---------------------------------

function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function readString(value: unknown): string {
  if (isAbsent(value)) return '';
  assert(typeof value === 'string', `filter: the schema says string, the element holds ${typeof value}`);
  return value;
}

function readNumber(value: unknown): number {
  if (isAbsent(value)) return 0;
  assert(typeof value === 'number', `filter: the schema says number, the element holds ${typeof value}`);
  return value;
}

function readBoolean(value: unknown): boolean {
  if (isAbsent(value)) return false;
  assert(typeof value === 'boolean', `filter: the schema says boolean, the element holds ${typeof value}`);
  return value;
}

function readList(value: unknown): readonly unknown[] {
  if (isAbsent(value)) return [];
  assert(Array.isArray(value), `filter: the schema says list, the element holds ${typeof value}`);
  return value;
}

const emptyObject: Readonly<Record<string, unknown>> = Object.freeze({});

function readObject(value: unknown): Readonly<Record<string, unknown>> {
  if (isAbsent(value)) return emptyObject;
  assert(typeof value === 'object' && !Array.isArray(value), `filter: the schema says object, the element holds ${Array.isArray(value) ? 'array' : typeof value}`);
  return value as Record<string, unknown>;
}

function ownProperty(object: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}
