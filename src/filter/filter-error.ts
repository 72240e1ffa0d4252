// Every way a ?filter= can be rejected becomes one TaxiwayError('invalid_filter') whose message
// starts as Consul's does ("Failed to create boolean expression evaluator: "), so clients that show
// Consul's text show ours. The detail names the position as line:column for syntax errors (as
// go-bexpr's PEG parser does, "1:13 (12): ..."), and quotes the selector for semantic errors.

import { TaxiwayError } from '../lib/errors.js';

const consulPrefix = 'Failed to create boolean expression evaluator: ';

/** A filter rejected for a reason that has no single position (e.g. it is too long). */
export function filterError(detail: string): TaxiwayError {
  return new TaxiwayError('invalid_filter', consulPrefix + detail);
}

/**
 * `text` with control characters written as escapes (\n, \x00), for quoting user input inside a
 * message without breaking the one-line rule (log lines, HTTP bodies read by humans).
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\x00-\x1f\x7f]/g, (char) => namedControls[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const namedControls: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A filter rejected at `offset` (a UTF-16 index into `expression`). */
export function filterErrorAt(expression: string, offset: number, detail: string): TaxiwayError {
  return filterError(`${describePosition(expression, offset)}: ${detail}`);
}

/** "1:13 (12)": line and column counted from 1, then the 0-based offset, as pigeon prints them. */
export function describePosition(expression: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < expression.length; i++) {
    if (expression[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1} (${offset})`;
}

/** How a piece of the input is named in messages: `"abc"`, or `end of expression`. */
export function describeText(text: string | undefined): string {
  return text === undefined ? 'end of expression' : JSON.stringify(text);
}
