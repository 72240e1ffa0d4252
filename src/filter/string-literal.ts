// Decoding of quoted values, as go-bexpr does it: the grammar takes the text between the quotes and
// hands it to Go's strconv.Unquote. So a "double-quoted" value uses Go's escapes (\n, \t, \\, \",
// \x41, \101, \u00e9, \U0001F600, \a \b \f \r \v) and a `backtick` value is raw: no escapes, and
// carriage returns dropped (Unquote's rule for raw strings).
//
// One deliberate difference: go-bexpr's grammar ends a double-quoted string at the first `"` even
// after a backslash, so `"a\"b"` is a syntax error there. We read `\"` as an escaped quote, which
// is what anyone writing it means; no expression go-bexpr accepts is read differently.

import { printable } from './filter-error.js';

export type DecodeResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly offset: number; readonly reason: string };

const simpleEscapes: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the body of a double-quoted literal (without its quotes). Offsets in failures are
 * relative to the body's first character.
 */
export function decodeDoubleQuoted(body: string): DecodeResult {
  // \x and octal escapes produce single bytes (they may spell UTF-8 sequences), so the result is
  // assembled as bytes and decoded once at the end.
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    const char = body[i] as string;
    if (char === '\n') return { ok: false, offset: i, reason: 'a double-quoted string cannot contain a newline (use \\n or a `backtick` string)' };
    if (char !== '\\') {
      const codePoint = body.codePointAt(i) as number;
      const text = String.fromCodePoint(codePoint);
      bytes.push(...utf8Encoder.encode(text));
      i += text.length;
      continue;
    }
    const escape = decodeEscape(body, i);
    if (!escape.ok) return escape;
    bytes.push(...escape.bytes);
    i = escape.next;
  }
  try {
    return { ok: true, value: utf8Decoder.decode(new Uint8Array(bytes)) };
  } catch {
    return { ok: false, offset: 0, reason: 'the escapes in this string do not spell valid UTF-8' };
  }
}

type EscapeResult = { readonly ok: true; readonly bytes: readonly number[]; readonly next: number } | { readonly ok: false; readonly offset: number; readonly reason: string };

/** One escape starting at the backslash at `start`. */
function decodeEscape(body: string, start: number): EscapeResult {
  const letter = body[start + 1];
  if (letter === undefined) return { ok: false, offset: start, reason: 'a string cannot end with a lone backslash' };
  const simple = simpleEscapes[letter];
  if (simple !== undefined) return { ok: true, bytes: [simple.charCodeAt(0)], next: start + 2 };
  const invalid = { ok: false as const, offset: start, reason: `invalid escape sequence \`${printable(body.slice(start, start + 2))}\`` };
  switch (letter) {
    case 'x':
      return fixedDigits(body, start + 2, 2, 16, 'byte', invalid);
    case 'u':
      return fixedDigits(body, start + 2, 4, 16, 'rune', invalid);
    case 'U':
      return fixedDigits(body, start + 2, 8, 16, 'rune', invalid);
    default:
      // Go's octal escape is exactly three digits, at most \377.
      if (letter >= '0' && letter <= '7') return fixedDigits(body, start + 1, 3, 8, 'byte', invalid);
      return invalid;
  }
}

function fixedDigits(
  body: string,
  from: number,
  count: number,
  radix: 8 | 16,
  kind: 'byte' | 'rune',
  invalid: EscapeResult,
): EscapeResult {
  const digits = body.slice(from, from + count);
  const pattern = radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
  if (digits.length !== count || !pattern.test(digits)) return invalid;
  const value = parseInt(digits, radix);
  if (kind === 'byte') {
    if (value > 0xff) return invalid;
    return { ok: true, bytes: [value], next: from + count };
  }
  // \u and \U name a Unicode code point; surrogate halves are not code points (Go rejects them).
  if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return invalid;
  return { ok: true, bytes: [...utf8Encoder.encode(String.fromCodePoint(value))], next: from + count };
}

/** Go's strconv.Unquote drops every carriage return from a raw (backtick) string. */
export function decodeRaw(body: string): string {
  return body.replaceAll('\r', '');
}

/** The inverse, used by the printer: a double-quoted literal that decodes back to `value`. */
export function quoteDouble(value: string): string {
  let out = '"';
  for (const char of value) {
    switch (char) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      default: {
        const code = char.codePointAt(0) as number;
        // Control characters are spelled as escapes so the output stays printable.
        out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : char;
      }
    }
  }
  return out + '"';
}
