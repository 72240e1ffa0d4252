// Goal: parseGoDuration accepts exactly what Go's time.ParseDuration accepts (and refuses the
// rest), and formatGoDuration prints what Go's Duration.String() prints, so that durations read
// from Consul clients and config files, and durations shown back to them, look like Consul's.
// Method: table tests of text ↔ milliseconds with Go's own outputs, and a fast-check property:
// format then parse gives back any whole number of nanoseconds.

import test from 'ava';
import fc from 'fast-check';
import { formatGoDuration, parseGoDuration } from '../../src/lib/duration.js';

/** Go's ParseDuration results, in ms; undefined where Go returns an error. */
const parseCases: [string, number | undefined][] = [
  ['0', 0],
  ['+0', 0],
  ['-0', 0],
  ['0s', 0],
  ['1ns', 1e-6],
  ['1us', 1e-3],
  ['1µs', 1e-3], // U+00B5 micro sign
  ['1μs', 1e-3], // U+03BC Greek mu
  ['500ms', 500],
  ['1s', 1000],
  ['1.5s', 1500],
  ['.5s', 500],
  ['1.s', 1000],
  ['1m30s', 90_000],
  ['1h0m0s', 3_600_000],
  ['1h30m', 5_400_000],
  ['2h45m30.5s', 9_930_500],
  ['1s500ms', 1500],
  ['1m1m', 120_000], // Go allows repeated units
  ['-1s', -1000],
  ['+1s', 1000],
  ['-1m30s', -90_000],
  ['300ms', 300],
  ['10m', 600_000],
  ['', undefined],
  ['1', undefined], // missing unit
  ['s', undefined],
  ['.s', undefined],
  ['1.2.3s', undefined],
  ['1d', undefined], // Go has no days
  ['1 s', undefined],
  ['1S', undefined], // units are case-sensitive
  ['1sec', undefined],
  ['--1s', undefined],
  ['1s-1s', undefined],
  ['-', undefined],
  ['1e3s', undefined],
  ['0x10s', undefined],
  ['Infinitys', undefined],
];

for (const [text, expected] of parseCases) {
  test(`parseGoDuration(${JSON.stringify(text)}) → ${expected ?? 'error'}`, (t) => {
    const parsed = parseGoDuration(text);
    if (expected === undefined) t.is(parsed, undefined);
    else t.is(parsed === undefined ? undefined : Math.round(parsed * 1e6), Math.round(expected * 1e6), 'in nanoseconds');
  });
}

test('parseGoDuration refuses surrounding whitespace, as Go does', (t) => {
  // time.ParseDuration(" 1s") is an error ("invalid duration"); Consul answers ?wait=%201s with
  // "Invalid wait time". Trimming accepts input Consul refuses.
  t.is(parseGoDuration(' 1s'), undefined);
  t.is(parseGoDuration('1s '), undefined);
  t.is(parseGoDuration('\t1s\n'), undefined);
});

/** Go's Duration.String() outputs. */
const formatCases: [number, string][] = [
  [0, '0s'],
  [1e-6, '1ns'],
  [1.5e-3, '1.5µs'],
  [1e-3, '1µs'],
  [0.25, '250µs'],
  [1, '1ms'],
  [1.5, '1.5ms'],
  [500, '500ms'],
  [999, '999ms'],
  [1000, '1s'],
  [1500, '1.5s'],
  [1000.000001, '1.000000001s'],
  [59_999, '59.999s'],
  [60_000, '1m0s'],
  [90_000, '1m30s'],
  [3_600_000, '1h0m0s'],
  [3_661_000, '1h1m1s'],
  [5_400_000, '1h30m0s'],
  [360_000_000, '100h0m0s'],
  [-1000, '-1s'],
  [-1.5, '-1.5ms'],
  [-90_000, '-1m30s'],
];

for (const [ms, expected] of formatCases) {
  test(`formatGoDuration(${ms}) → ${expected}`, (t) => {
    t.is(formatGoDuration(ms), expected);
  });
}

test('property: formatting then parsing gives back any whole number of nanoseconds', (t) => {
  // Up to ±10^15 ns (11.5 days): beyond 2^53 ns a double can no longer hold every nanosecond.
  fc.assert(
    fc.property(fc.integer({ min: -1e15, max: 1e15 }), (ns) => {
      const text = formatGoDuration(ns / 1e6);
      const parsed = parseGoDuration(text);
      return parsed !== undefined && Math.round(parsed * 1e6) === ns;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('property: every formatted duration is Go syntax (units in descending order, no exponent)', (t) => {
  const goSyntax = /^-?(0s|\d+(\.\d+)?(ns|µs|ms|s)|\d+m\d+(\.\d+)?s|\d+h\d+m\d+(\.\d+)?s)$/;
  fc.assert(fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), (ms) => goSyntax.test(formatGoDuration(ms))));
  t.pass();
});
