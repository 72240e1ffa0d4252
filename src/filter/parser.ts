// Recursive-descent parser for go-bexpr's grammar (v0.1.2 grammar.peg, the version Consul pins):
//
//   expression := or
//   or         := and ("or" and)*                 lowest precedence
//   and        := unary ("and" unary)*
//   unary      := "not" unary | primary           highest precedence
//   primary    := "(" or ")" | match
//   match      := selector ("==" | "!=" | "contains" | "not contains" | "matches" | "not matches") value
//              |  selector ("is empty" | "is not empty")
//              |  value ("in" | "not in") selector
//   selector   := identifier ("." identifier | "[" string "]")*
//   value      := selector (its dotted text) | number | string
//
// A primary that starts with a name is read as a path first; the word after it decides whether
// that path was a selector (`Tags contains x`) or a bare value (`x in Tags`), which is how the PEG
// grammar's ordered choice resolves the same input. `not` at the start of a unary is always the
// operator (go-bexpr parses `not prod in tags` as not(prod in tags) too).
//
// go-bexpr insists on whitespace around `and`, `or`, `in`, `contains`, `matches` and after `not`;
// we need it only where tokens would otherwise merge, so `(a == 1)and(b == 2)` is accepted here
// and rejected there. Nothing go-bexpr accepts is read differently.

import type { BinaryMatchOperator, Expression, Selector, Value } from './ast.js';
import { selectorText } from './ast.js';
import { describePosition, describeText, filterError, filterErrorAt } from './filter-error.js';
import { limits } from '../lib/limits.js';
import { tokenize, type Token } from './lexer.js';

const operatorList = '==, !=, contains, not contains, matches, not matches, in, not in, is empty, is not empty';

/** Parses `expression` into a syntax tree. Throws invalid_filter with the position of the fault. */
export function parseExpression(expression: string): Expression {
  if (expression.length > limits.filterExpressionLengthMax) {
    throw filterError(`expression is ${expression.length} characters long; the limit is ${limits.filterExpressionLengthMax}`);
  }
  return new Parser(expression, tokenize(expression)).parseWhole();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly expression: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseWhole(): Expression {
    const expression = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') {
      const unmatched = next.kind === 'symbol' && next.text === ')';
      // `Service.ID == web-1` reads as the value web followed by the number -1.
      const glued = !unmatched && !next.spaceBefore;
      const hint = unmatched ? ' (this ")" has no matching "(")' : glued ? ' (quote values that contain characters other than letters, digits and _, e.g. "web-1")' : '';
      throw this.errorAt(next, `expected "and", "or" or the end of the expression, found ${describeToken(next)}${hint}`);
    }
    return expression;
  }

  private parseOr(): Expression {
    const operands = [this.parseAnd()];
    while (this.isWord(this.peek(), 'or')) {
      this.index++;
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? (operands[0] as Expression) : { type: 'or', operands };
  }

  private parseAnd(): Expression {
    const operands = [this.parseUnary()];
    while (this.isWord(this.peek(), 'and')) {
      this.index++;
      operands.push(this.parseUnary());
    }
    return operands.length === 1 ? (operands[0] as Expression) : { type: 'and', operands };
  }

  private parseUnary(): Expression {
    const token = this.peek();
    if (!this.isWord(token, 'not')) return this.parsePrimary();
    this.enter(token);
    this.index++;
    const operand = this.parseUnary();
    this.depth--;
    return { type: 'not', operand };
  }

  private parsePrimary(): Expression {
    const token = this.peek();
    if (token.kind === 'symbol' && token.text === '(') {
      this.enter(token);
      this.index++;
      const inner = this.parseOr();
      const close = this.peek();
      if (!(close.kind === 'symbol' && close.text === ')')) {
        throw this.errorAt(close, `unmatched parentheses: expected "and", "or" or ")" to close the "(" at ${describePosition(this.expression, token.start)}, found ${describeToken(close)}`);
      }
      this.index++;
      this.depth--;
      return inner;
    }
    if (token.kind === 'identifier') return this.parseMatchAfterPath(this.parsePath());
    if (token.kind === 'string' || token.kind === 'number') return this.parseValueFirst(this.parseValue('a value'));
    throw this.errorAt(token, `expected a selector, a value, "not" or "(", found ${describeToken(token)}`);
  }

  /** After a leading path: either it was the selector, or (before in / not in) the value. */
  private parseMatchAfterPath(path: Selector): Expression {
    const token = this.peek();
    if (token.kind === 'symbol' && (token.text === '==' || token.text === '!=')) {
      this.index++;
      return this.binaryMatch(token.text === '==' ? 'equal' : 'notEqual', path, token.text);
    }
    if (token.kind === 'identifier') {
      switch (token.text) {
        case 'contains':
          this.index++;
          return this.binaryMatch('in', path, 'contains');
        case 'matches':
          this.index++;
          return this.binaryMatch('matches', path, 'matches');
        case 'is':
          this.index++;
          return this.parseIsEmpty(path);
        case 'in':
          this.index++;
          return this.valueInSelector('in', { raw: selectorText(path.path), offset: path.offset });
        case 'not':
          return this.parseNotOperator(path, token);
      }
    }
    throw this.errorAt(token, `expected an operator (${operatorList}) after selector ${describeText(selectorText(path.path))}, found ${describeToken(token)}`);
  }

  private parseNotOperator(path: Selector, notToken: Token): Expression {
    const next = this.tokens[this.index + 1] as Token;
    if (this.isWord(next, 'contains') || this.isWord(next, 'matches') || this.isWord(next, 'in')) {
      this.index += 2;
      if (this.isWord(next, 'contains')) return this.binaryMatch('notIn', path, 'not contains');
      if (this.isWord(next, 'matches')) return this.binaryMatch('notMatches', path, 'not matches');
      return this.valueInSelector('notIn', { raw: selectorText(path.path), offset: path.offset });
    }
    throw this.errorAt(next, `expected "contains", "matches" or "in" after ${describeToken(notToken)}, found ${describeToken(next)}`);
  }

  private parseIsEmpty(path: Selector): Expression {
    const token = this.peek();
    if (this.isWord(token, 'empty')) {
      this.index++;
      return { type: 'match', operator: 'isEmpty', selector: path };
    }
    const next = this.tokens[this.index + 1] as Token;
    if (this.isWord(token, 'not') && this.isWord(next, 'empty')) {
      this.index += 2;
      return { type: 'match', operator: 'isNotEmpty', selector: path };
    }
    throw this.errorAt(token, `expected "empty" or "not empty" after "is", found ${describeToken(token)}`);
  }

  private parseValueFirst(value: Value): Expression {
    const token = this.peek();
    if (this.isWord(token, 'in')) {
      this.index++;
      return this.valueInSelector('in', value);
    }
    if (this.isWord(token, 'not') && this.isWord(this.tokens[this.index + 1] as Token, 'in')) {
      this.index += 2;
      return this.valueInSelector('notIn', value);
    }
    throw this.errorAt(token, `expected "in" or "not in" after the value ${describeText(value.raw)} (a value can only come first in "<value> in <selector>"), found ${describeToken(token)}`);
  }

  private valueInSelector(operator: 'in' | 'notIn', value: Value): Expression {
    const token = this.peek();
    if (token.kind !== 'identifier') throw this.errorAt(token, `expected a selector after "${operator === 'in' ? 'in' : 'not in'}", found ${describeToken(token)}`);
    return { type: 'match', operator, selector: this.parsePath(), value };
  }

  private binaryMatch(operator: BinaryMatchOperator, selector: Selector, spelling: string): Expression {
    return { type: 'match', operator, selector, value: this.parseValue(`a value after "${spelling}"`) };
  }

  private parseValue(expected: string): Value {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.index++;
        return { raw: token.value, offset: token.start };
      case 'number':
        this.index++;
        return { raw: token.text, offset: token.start };
      case 'identifier': {
        const path = this.parsePath();
        return { raw: selectorText(path.path), offset: path.offset };
      }
      case 'symbol':
      case 'end':
        throw this.errorAt(token, `expected ${expected}, found ${describeToken(token)}`);
    }
  }

  /** identifier ("." identifier | "[" string "]")*, with no whitespace before "." or "[". */
  private parsePath(): Selector {
    const first = this.peek();
    if (first.kind !== 'identifier') throw this.errorAt(first, `expected a selector, found ${describeToken(first)}`);
    this.index++;
    const path = [first.text];
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'symbol' || token.spaceBefore || (token.text !== '.' && token.text !== '[')) break;
      this.index++;
      path.push(token.text === '.' ? this.parseDotSegment(path) : this.parseIndexSegment());
    }
    return { path, offset: first.start };
  }

  private parseDotSegment(path: readonly string[]): string {
    const token = this.peek();
    if (token.kind !== 'identifier' || token.spaceBefore) {
      throw this.errorAt(token, `expected a field name after ${describeText(`${selectorText(path)}.`)} (names start with a letter; write other map keys as ["key"]), found ${describeToken(token)}`);
    }
    this.index++;
    return token.text;
  }

  private parseIndexSegment(): string {
    const key = this.peek();
    if (key.kind !== 'string') throw this.errorAt(key, `invalid index: expected a quoted key such as ["key"], found ${describeToken(key)}`);
    this.index++;
    const close = this.peek();
    if (!(close.kind === 'symbol' && close.text === ']')) throw this.errorAt(close, `unclosed index expression: expected "]", found ${describeToken(close)}`);
    this.index++;
    return key.value;
  }

  private enter(token: Token): void {
    this.depth++;
    if (this.depth > limits.filterExpressionNestingMax) {
      throw this.errorAt(token, `expression nests "(" and "not" more than ${limits.filterExpressionNestingMax} deep`);
    }
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private isWord(token: Token, word: string): boolean {
    return token.kind === 'identifier' && token.text === word;
  }

  private errorAt(token: Token, detail: string): Error {
    return filterErrorAt(this.expression, token.start, detail);
  }
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'identifier':
    case 'number':
      return describeText(token.text);
    case 'string':
      return `the string ${JSON.stringify(token.value)}`;
    case 'symbol':
      return describeText(token.text);
    case 'end':
      return 'end of expression';
  }
}
