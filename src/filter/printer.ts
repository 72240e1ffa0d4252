// Prints a syntax tree back as filter text that parses to the same tree: used in error messages,
// logs, and by the round-trip property test. Values are always printed double-quoted (go-bexpr
// gives `80`, `"80"` and `passing` no different meaning), and parentheses are added exactly where
// the tree's grouping differs from what precedence (not > and > or) would give.

import type { Expression, MatchExpression, Selector } from './ast.js';
import { unreachable } from '../lib/assert.js';
import { quoteDouble } from './string-literal.js';

const identifierPattern = /^[a-zA-Z][a-zA-Z0-9_]*$/;

export function printExpression(expression: Expression): string {
  switch (expression.type) {
    case 'or':
      return expression.operands.map((operand) => (operand.type === 'or' ? `(${printExpression(operand)})` : printExpression(operand))).join(' or ');
    case 'and':
      return expression.operands.map((operand) => (operand.type === 'or' || operand.type === 'and' ? `(${printExpression(operand)})` : printExpression(operand))).join(' and ');
    case 'not': {
      const operand = expression.operand;
      return operand.type === 'or' || operand.type === 'and' ? `not (${printExpression(operand)})` : `not ${printExpression(operand)}`;
    }
    case 'match':
      return printMatch(expression);
    default:
      return unreachable(expression);
  }
}

function printMatch(match: MatchExpression): string {
  const selector = printSelector(match.selector);
  switch (match.operator) {
    case 'equal':
      return `${selector} == ${quoteDouble(match.value.raw)}`;
    case 'notEqual':
      return `${selector} != ${quoteDouble(match.value.raw)}`;
    case 'in':
      return `${quoteDouble(match.value.raw)} in ${selector}`;
    case 'notIn':
      return `${quoteDouble(match.value.raw)} not in ${selector}`;
    case 'matches':
      return `${selector} matches ${quoteDouble(match.value.raw)}`;
    case 'notMatches':
      return `${selector} not matches ${quoteDouble(match.value.raw)}`;
    case 'isEmpty':
      return `${selector} is empty`;
    case 'isNotEmpty':
      return `${selector} is not empty`;
    default:
      return unreachable(match);
  }
}

/** `Service.Meta["k-1"]`: names as `.name` where the grammar allows, otherwise as `["key"]`. */
export function printSelector(selector: Selector): string {
  return selector.path
    .map((segment, index) => {
      if (identifierPattern.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${quoteDouble(segment)}]`;
    })
    .join('');
}
