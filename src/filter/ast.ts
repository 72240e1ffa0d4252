// The syntax tree of a filter expression, as the parser builds it and before any schema is
// consulted. It mirrors go-bexpr v0.1.2's ast.go, with one change: `and`/`or` hold a list of
// operands instead of a right-leaning binary chain, so a long `a or b or c ...` is one node
// rather than a recursion as deep as the chain. Parenthesised groups stay separate nodes, so
// the tree still records how the user grouped the expression.

/** The match operators. `contains` parses to `in` and `not contains` to `notIn`, as in go-bexpr. */
export type MatchOperator =
  | 'equal'
  | 'notEqual'
  | 'in'
  | 'notIn'
  | 'isEmpty'
  | 'isNotEmpty'
  | 'matches'
  | 'notMatches';

/** The operators that take no value. */
export type UnaryMatchOperator = Extract<MatchOperator, 'isEmpty' | 'isNotEmpty'>;
export type BinaryMatchOperator = Exclude<MatchOperator, UnaryMatchOperator>;

/**
 * A path such as `Service.Meta["k-1"]`: one segment per `.name` or `["key"]`. The first segment
 * is always an identifier (the grammar requires it). `offset` is where it starts in the input.
 */
export interface Selector {
  readonly path: readonly string[];
  readonly offset: number;
}

/**
 * A literal as go-bexpr keeps it: the raw text, whatever its spelling. `80`, `"80"` and `` `80` ``
 * are the same value; a bare name (`passing`, even `a.b`) is its dotted text. The value is only
 * given a type later, by the selector it is compared with (compile.ts).
 */
export interface Value {
  readonly raw: string;
  readonly offset: number;
}

export type Expression =
  | { readonly type: 'or'; readonly operands: readonly Expression[] }
  | { readonly type: 'and'; readonly operands: readonly Expression[] }
  | { readonly type: 'not'; readonly operand: Expression }
  | { readonly type: 'match'; readonly operator: BinaryMatchOperator; readonly selector: Selector; readonly value: Value }
  | { readonly type: 'match'; readonly operator: UnaryMatchOperator; readonly selector: Selector; readonly value?: undefined };

export type MatchExpression = Extract<Expression, { type: 'match' }>;

/** Operator spellings for messages: the form a user writes. */
export const operatorText: Readonly<Record<MatchOperator, string>> = {
  equal: '==',
  notEqual: '!=',
  in: 'in',
  notIn: 'not in',
  isEmpty: 'is empty',
  isNotEmpty: 'is not empty',
  matches: 'matches',
  notMatches: 'not matches',
};

export function isUnaryOperator(operator: MatchOperator): operator is UnaryMatchOperator {
  return operator === 'isEmpty' || operator === 'isNotEmpty';
}

/** `Service.Meta.k-1` for messages: segments joined with dots, as go-bexpr's Selector.String(). */
export function selectorText(path: readonly string[]): string {
  return path.join('.');
}
