// Consul's ?filter= expression language (hashicorp/go-bexpr, at v0.1.2, the version Consul pins):
// compile a filter once per request, then run it on each element of the result.
//
//   "Service.Meta.env == prod and Checks.Status != critical"
//        │
//        ▼  1. lexer.ts         tokens (names, numbers, "strings", `raw`, == != ( ) [ ] .)
//        ▼  2. parser.ts        syntax tree (ast.ts): or → and → not → match; limits on length
//        │                      and nesting (src/lib/limits.ts); syntax errors carry line:column
//        ▼  3. compile.ts       against the element's Schema (src/structs): selectors resolved
//        │                      (selector.ts), values converted to their field's type
//        │                      (coerce.ts), regexes compiled (re2-*.ts); every error found here
//        ▼  4. evaluate.ts      per element: walk the selector steps, apply the test
//   CompiledFilter.matches(element) → boolean
//
// Errors are TaxiwayError('invalid_filter') with Consul's message prefix (filter-error.ts).
// printer.ts turns a tree back into text (used by tests to check the parser round-trips).

import type { Schema } from '../structs/schema.js';
import { compileExpression, type CompiledExpression } from './compile.js';
import { evaluate } from './evaluate.js';
import { parseExpression } from './parser.js';

export interface CompiledFilter {
  /** Whether one element (a JSON-shaped object of the compiled-for schema) passes the filter. */
  matches(value: unknown): boolean;
}

/**
 * Parses and checks `expression` against `schema` (the type of one element of the result).
 * Throws TaxiwayError with code 'invalid_filter' and a one-line message. An empty expression
 * filters nothing, as in Consul; callers usually pass `undefined` to applyFilter instead.
 */
export function compileFilter(expression: string, schema: Schema): CompiledFilter {
  if (expression === '') return { matches: () => true };
  const compiled: CompiledExpression = compileExpression(expression, parseExpression(expression), schema);
  return { matches: (value: unknown): boolean => evaluate(compiled, value) };
}

/** The items that pass `filter`, in their order; all of them when there is no filter. */
export function applyFilter<T>(items: readonly T[], filter: CompiledFilter | undefined): readonly T[] {
  if (filter === undefined) return items;
  return items.filter((item) => filter.matches(item));
}

export type { Expression, MatchExpression, MatchOperator, Selector, Value } from './ast.js';
export { parseExpression } from './parser.js';
export { printExpression } from './printer.js';
export { compileRegex, regexSearch, type RegexProgram } from './re2-program.js';
