// A syntax tree without source offsets, in a compact form for table tests and properties:
// selectors as path arrays, values as their raw text.

import type { Expression } from '../../src/filter/index.js';

/** The tree without source offsets, in a compact form: selectors and values as plain strings. */
export function shape(expression: Expression): unknown {
  switch (expression.type) {
    case 'or':
    case 'and':
      return { [expression.type]: expression.operands.map(shape) };
    case 'not':
      return { not: shape(expression.operand) };
    case 'match':
      return expression.value === undefined ? [expression.selector.path, expression.operator] : [expression.selector.path, expression.operator, expression.value.raw];
  }
}
