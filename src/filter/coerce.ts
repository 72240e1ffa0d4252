// Values in an expression are text; go-bexpr gives them the type of the field they are compared
// with, once, when the filter is created (v0.1.2 coerce.go + validate.go), using Go's strconv:
//   int fields    strconv.ParseInt(raw, 0, 64): sign, then base from the prefix (0x 0o 0b, or a
//                 leading 0 for octal, so "010" is 8), underscores between digits ("1_000")
//   float fields  strconv.ParseFloat(raw, 64): decimal with optional exponent, inf, infinity, nan
//   bool fields   strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False
//   strings       as written
// A value that does not convert is an error before any data is read ("Failed to coerce value").
// Not reproduced: Go's hexadecimal floats ("0x1p-2"), which are rejected here instead.

import { parseGoBool } from '../lib/go-bool.js';

export type Coercion<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** Digits, optionally separated by single underscores, for each base. */
const digitRuns: Readonly<Record<2 | 8 | 10 | 16, RegExp>> = {
  2: /^[01](?:_?[01])*$/,
  8: /^[0-7](?:_?[0-7])*$/,
  10: /^[0-9](?:_?[0-9])*$/,
  16: /^[0-9a-fA-F](?:_?[0-9a-fA-F])*$/,
};
const basePrefixes: Readonly<Record<string, 2 | 8 | 16>> = { b: 2, o: 8, x: 16 };
const bigintPrefixes: Readonly<Record<2 | 8 | 10 | 16, string>> = { 2: '0b', 8: '0o', 10: '', 16: '0x' };

/**
 * Go's strconv.ParseInt(raw, 0, 64). The result is a JS number; a literal beyond the safe-integer
 * range becomes NaN, which equals nothing (no field we serve holds such a number).
 */
export function coerceInt(raw: string): Coercion<number> {
  const sign = raw.startsWith('-') ? -1n : 1n;
  const unsigned = raw.startsWith('-') || raw.startsWith('+') ? raw.slice(1) : raw;
  const parsed = splitBase(unsigned);
  if (parsed === undefined || !digitRuns[parsed.base].test(parsed.digits)) return { ok: false, reason: 'not an integer' };
  const magnitude = BigInt(bigintPrefixes[parsed.base] + parsed.digits.replaceAll('_', ''));
  const value = sign * magnitude;
  if (value < int64Min || value > int64Max) return { ok: false, reason: 'out of range for a 64-bit integer' };
  const number = Number(value);
  return { ok: true, value: Number.isSafeInteger(number) ? number : Number.NaN };
}

/** Base and digit text of an unsigned integer literal, as Go's base-0 rules choose them. */
function splitBase(text: string): { base: 2 | 8 | 10 | 16; digits: string } | undefined {
  if (text.length >= 2 && text[0] === '0') {
    const prefixBase = basePrefixes[(text[1] as string).toLowerCase()];
    if (prefixBase !== undefined) {
      // Go lets an underscore follow the prefix directly: 0x_1F.
      const rest = text.slice(2);
      return { base: prefixBase, digits: rest.startsWith('_') ? rest.slice(1) : rest };
    }
    return { base: 8, digits: text };
  }
  return text === '' ? undefined : { base: 10, digits: text };
}

const decimalFloatPattern = /^[+-]?(?=\.?[0-9])(?:[0-9](?:_?[0-9])*)?(?:\.(?:[0-9](?:_?[0-9])*)?)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const specialFloatPattern = /^([+-]?)(inf|infinity|nan)$/i;

/** Go's strconv.ParseFloat(raw, 64), except hexadecimal floats. */
export function coerceFloat(raw: string): Coercion<number> {
  const special = specialFloatPattern.exec(raw);
  if (special !== null) {
    if ((special[2] as string).toLowerCase() === 'nan') return { ok: true, value: Number.NaN };
    return { ok: true, value: special[1] === '-' ? -Infinity : Infinity };
  }
  if (!decimalFloatPattern.test(raw)) return { ok: false, reason: 'not a number' };
  const value = Number(raw.replaceAll('_', ''));
  // ParseFloat reports ErrRange when a finite literal overflows to ±Inf.
  if (!Number.isFinite(value)) return { ok: false, reason: 'out of range for a 64-bit float' };
  return { ok: true, value };
}

/** Go's strconv.ParseBool. */
export function coerceBool(raw: string): Coercion<boolean> {
  const value = parseGoBool(raw);
  return value === undefined ? { ok: false, reason: 'not a boolean (true or false)' } : { ok: true, value };
}
