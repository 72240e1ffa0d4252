// Goal: values convert to a field's type exactly as Go's strconv does for go-bexpr (ParseInt with
// base 0, ParseFloat, ParseBool), so a filter that works against Consul works here, and one that
// Consul rejects is rejected here.
// Method: tables of literal → value or failure.

import test from 'ava';
import { coerceBool, coerceFloat, coerceInt } from '../../src/filter/coerce.js';

const integers: [string, number | 'NaN' | 'fail'][] = [
  ['0', 0],
  ['8080', 8080],
  ['-1', -1],
  ['+5', 5],
  ['0x1F90', 8080],
  ['0X1f90', 8080],
  ['0o17', 15],
  ['017', 15], // a leading 0 means octal
  ['0b101', 5],
  ['1_000', 1000],
  ['0x_1F', 31],
  ['0_7', 7],
  ['-0x10', -16],
  ['9223372036854775807', 'NaN'], // int64 max: valid, but beyond the numbers we can compare exactly
  ['9223372036854775808', 'fail'], // out of int64 range
  ['-9223372036854775808', 'NaN'],
  ['', 'fail'],
  ['-', 'fail'],
  ['08', 'fail'], // octal has no 8
  ['1.0', 'fail'],
  ['1e3', 'fail'],
  ['0x', 'fail'],
  ['1__0', 'fail'],
  ['_1', 'fail'],
  ['1_', 'fail'],
  ['--1', 'fail'],
  [' 1', 'fail'],
  ['abc', 'fail'],
];

for (const [raw, expected] of integers) {
  test(`ParseInt(${JSON.stringify(raw)}, 0, 64) → ${expected}`, (t) => {
    const result = coerceInt(raw);
    if (expected === 'fail') t.false(result.ok);
    else if (expected === 'NaN') t.true(result.ok && Number.isNaN(result.value));
    else t.deepEqual(result, { ok: true, value: expected });
  });
}

const floats: [string, number | 'fail'][] = [
  ['1.5', 1.5],
  ['-0.25', -0.25],
  ['.5', 0.5],
  ['5.', 5],
  ['1e3', 1000],
  ['1E-2', 0.01],
  ['1_000.5', 1000.5],
  ['inf', Infinity],
  ['-Infinity', -Infinity],
  ['+INF', Infinity],
  ['1e400', 'fail'], // overflows: ErrRange
  ['', 'fail'],
  ['.', 'fail'],
  ['e5', 'fail'],
  ['1e', 'fail'],
  ['1_.5', 'fail'],
  ['0x1p-2', 'fail'], // Go accepts hexadecimal floats; we do not (documented)
  ['abc', 'fail'],
];

for (const [raw, expected] of floats) {
  test(`ParseFloat(${JSON.stringify(raw)}, 64) → ${expected}`, (t) => {
    const result = coerceFloat(raw);
    if (expected === 'fail') t.false(result.ok);
    else t.deepEqual(result, { ok: true, value: expected });
  });
}

test('ParseFloat("nan") is NaN, which equals nothing', (t) => {
  const result = coerceFloat('NaN');
  t.true(result.ok && Number.isNaN(result.value));
});

test('ParseBool accepts exactly Go\'s twelve spellings', (t) => {
  for (const word of ['1', 't', 'T', 'TRUE', 'true', 'True']) t.deepEqual(coerceBool(word), { ok: true, value: true }, word);
  for (const word of ['0', 'f', 'F', 'FALSE', 'false', 'False']) t.deepEqual(coerceBool(word), { ok: true, value: false }, word);
  for (const word of ['yes', 'no', 'tRUE', 'on', '', ' true']) t.false(coerceBool(word).ok, word);
});
