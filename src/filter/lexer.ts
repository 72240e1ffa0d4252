// Turns a filter expression into tokens. The token rules are go-bexpr v0.1.2's grammar.peg:
//   identifier  [a-zA-Z][a-zA-Z0-9_]*      keywords (and or not in contains matches is empty) are
//                                          identifiers here; the parser decides by position, as
//                                          the PEG grammar does (`Status == in` compares with "in")
//   number      -?(0|[1-9][0-9]*)(\.[0-9]+)?   and nothing glued on: `3x`, `007`, `1.2.3` are errors
//   string      "go escapes" or `raw`      (string-literal.ts)
//   symbols     == != ( ) [ ] .
//   whitespace  space, tab, CR, LF only
// Each token records whether whitespace preceded it, because the grammar cares in places: a
// selector is written without spaces (`Service.Meta["k"]`, never `Service . Meta`).

import { describeText, filterErrorAt } from './filter-error.js';
import { decodeDoubleQuoted, decodeRaw } from './string-literal.js';

export type SymbolText = '==' | '!=' | '(' | ')' | '[' | ']' | '.';

interface TokenBase {
  /** Offset of the token's first character. */
  readonly start: number;
  /** Offset just past the token. */
  readonly end: number;
  /** True when whitespace separates this token from the previous one (or from the start). */
  readonly spaceBefore: boolean;
}

export type Token =
  | (TokenBase & { readonly kind: 'identifier'; readonly text: string })
  | (TokenBase & { readonly kind: 'number'; readonly text: string })
  | (TokenBase & { readonly kind: 'string'; readonly value: string })
  | (TokenBase & { readonly kind: 'symbol'; readonly text: SymbolText })
  | (TokenBase & { readonly kind: 'end' });

const whitespace = new Set([' ', '\t', '\r', '\n']);
const identifierPattern = /[a-zA-Z][a-zA-Z0-9_]*/y;
/** A run that starts like a number; it must then be exactly a number literal. */
const numberRunPattern = /-?[0-9a-zA-Z_.-]*/y;
const numberPattern = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** All tokens of `expression`, ending with one `end` token. Throws invalid_filter on bad input. */
export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  for (;;) {
    const afterSpace = skipWhitespace(expression, offset);
    const spaceBefore = afterSpace > offset || offset === 0;
    offset = afterSpace;
    if (offset >= expression.length) {
      tokens.push({ kind: 'end', start: offset, end: offset, spaceBefore });
      return tokens;
    }
    const token = readToken(expression, offset, spaceBefore);
    tokens.push(token);
    offset = token.end;
  }
}

function skipWhitespace(expression: string, offset: number): number {
  let i = offset;
  while (i < expression.length && whitespace.has(expression[i] as string)) i++;
  return i;
}

function readToken(expression: string, start: number, spaceBefore: boolean): Token {
  const char = expression[start] as string;
  const pair = expression.slice(start, start + 2);
  if (pair === '==' || pair === '!=') return { kind: 'symbol', text: pair, start, end: start + 2, spaceBefore };
  if ('()[].'.includes(char)) return { kind: 'symbol', text: char as SymbolText, start, end: start + 1, spaceBefore };
  if (char === '"' || char === '`') return readString(expression, start, spaceBefore);
  if (char === '-' || (char >= '0' && char <= '9')) return readNumber(expression, start, spaceBefore);
  identifierPattern.lastIndex = start;
  const identifier = identifierPattern.exec(expression);
  if (identifier !== null) return { kind: 'identifier', text: identifier[0], start, end: start + identifier[0].length, spaceBefore };
  const hint =
    char === '=' || char === '!' ? ' (the comparison operators are == and !=)' : char === '<' || char === '>' ? ' (filters have no ordering comparisons, only == and !=)' : ' (quote values that contain it)';
  const shown = String.fromCodePoint(expression.codePointAt(start) as number);
  throw filterErrorAt(expression, start, `unexpected character ${describeText(shown)}${hint}`);
}

function readNumber(expression: string, start: number, spaceBefore: boolean): Token {
  numberRunPattern.lastIndex = start;
  const run = (numberRunPattern.exec(expression) as RegExpExecArray)[0];
  if (!numberPattern.test(run)) {
    throw filterErrorAt(expression, start, `invalid number literal ${describeText(run)} (numbers are written like 8080, -1 or 0.5)`);
  }
  return { kind: 'number', text: run, start, end: start + run.length, spaceBefore };
}

function readString(expression: string, start: number, spaceBefore: boolean): Token {
  const quote = expression[start] as string;
  let i = start + 1;
  while (i < expression.length && expression[i] !== quote) {
    // Only double-quoted strings have escapes; skipping the escaped character lets \" through.
    i += quote === '"' && expression[i] === '\\' ? 2 : 1;
  }
  if (i >= expression.length) throw filterErrorAt(expression, start, 'unterminated string literal');
  const body = expression.slice(start + 1, i);
  if (quote === '`') return { kind: 'string', value: decodeRaw(body), start, end: i + 1, spaceBefore };
  const decoded = decodeDoubleQuoted(body);
  if (!decoded.ok) throw filterErrorAt(expression, start + 1 + decoded.offset, decoded.reason);
  return { kind: 'string', value: decoded.value, start, end: i + 1, spaceBefore };
}
