// Goal: the parser reads go-bexpr's grammar (v0.1.2 grammar.peg) into the trees go-bexpr builds,
// and rejects bad input with a message that says what was expected and where.
// Method: table tests of expression → tree (offsets stripped), and of bad expression → error
// position and text; positions match go-bexpr's grammar_test.go where that file has the case.

import test from 'ava';
import { parseExpression } from '../../src/filter/index.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import { shape } from './tree-shape.js';

const parses: [string, unknown][] = [
  // Every operator, in the order of Consul's filtering docs.
  ['Service.Service == "web"', [['Service', 'Service'], 'equal', 'web']],
  ['Service.Service != "web"', [['Service', 'Service'], 'notEqual', 'web']],
  ['Service.Tags is empty', [['Service', 'Tags'], 'isEmpty']],
  ['Service.Tags is not empty', [['Service', 'Tags'], 'isNotEmpty']],
  ['"primary" in Service.Tags', [['Service', 'Tags'], 'in', 'primary']],
  ['"primary" not in Service.Tags', [['Service', 'Tags'], 'notIn', 'primary']],
  ['Service.Tags contains "primary"', [['Service', 'Tags'], 'in', 'primary']],
  ['Service.Tags not contains "primary"', [['Service', 'Tags'], 'notIn', 'primary']],
  ['Service.Service matches "^web-[0-9]+$"', [['Service', 'Service'], 'matches', '^web-[0-9]+$']],
  ['Service.Service not matches `^web`', [['Service', 'Service'], 'notMatches', '^web']],
  // Values: bare names, numbers, both quotes, escapes; all kept as raw text.
  ['Checks.Status == passing', [['Checks', 'Status'], 'equal', 'passing']],
  ['Service.Port == 8080', [['Service', 'Port'], 'equal', '8080']],
  ['Service.Port == -1.5', [['Service', 'Port'], 'equal', '-1.5']],
  ['Service.Meta.v == a.b["c"]', [['Service', 'Meta', 'v'], 'equal', 'a.b.c']],
  ['Service.Meta.v == "tab\\there \\u00e9 \\x41\\101 \\"q\\" \\\\"', [['Service', 'Meta', 'v'], 'equal', 'tab\there é AA "q" \\']],
  ['Service.Meta.v == `raw \\n "quotes"`', [['Service', 'Meta', 'v'], 'equal', 'raw \\n "quotes"']],
  ['Service.Meta.v == `line\r\nbreak`', [['Service', 'Meta', 'v'], 'equal', 'line\nbreak']],
  ['Service.Meta.v == ""', [['Service', 'Meta', 'v'], 'equal', '']],
  ['Service.Meta.v == "\\xc3\\xa9"', [['Service', 'Meta', 'v'], 'equal', 'é']],
  // Keywords are only keywords in their place.
  ['Service.Service == in', [['Service', 'Service'], 'equal', 'in']],
  ['Service.Service == not', [['Service', 'Service'], 'equal', 'not']],
  // Selectors: dotted and indexed, spaces allowed inside the brackets only.
  ['Node.Meta["rack-id"] == r1', [['Node', 'Meta', 'rack-id'], 'equal', 'r1']],
  ['Service.Meta[ "team.name" ] == payments', [['Service', 'Meta', 'team.name'], 'equal', 'payments']],
  ['Service["Meta"].env == prod', [['Service', 'Meta', 'env'], 'equal', 'prod']],
  ['Definition.Header[`X-Probe`] contains taxiway', [['Definition', 'Header', 'X-Probe'], 'in', 'taxiway']],
  // Whitespace is free around == and between tokens, including newlines and tabs.
  ['Service.Port==80', [['Service', 'Port'], 'equal', '80']],
  ['\n\tService.Port\t==\r\n80 ', [['Service', 'Port'], 'equal', '80']],
  // Precedence: not > and > or; and/or chains are one node.
  ['a == 1 or b == 2 and c == 3', { or: [[['a'], 'equal', '1'], { and: [[['b'], 'equal', '2'], [['c'], 'equal', '3']] }] }],
  ['a == 1 and b == 2 or c == 3', { or: [{ and: [[['a'], 'equal', '1'], [['b'], 'equal', '2']] }, [['c'], 'equal', '3']] }],
  ['not a == 1 and b == 2', { and: [{ not: [['a'], 'equal', '1'] }, [['b'], 'equal', '2']] }],
  ['a == 1 or b == 2 or c == 3', { or: [[['a'], 'equal', '1'], [['b'], 'equal', '2'], [['c'], 'equal', '3']] }],
  ['not prod in tags', { not: [['tags'], 'in', 'prod'] }],
  ['not not a == 1', { not: { not: [['a'], 'equal', '1'] } }],
  // Parentheses override precedence; redundant ones leave no trace.
  ['(a == 1 or b == 2) and c == 3', { and: [{ or: [[['a'], 'equal', '1'], [['b'], 'equal', '2']] }, [['c'], 'equal', '3']] }],
  ['a == 1 or (b == 2 or c == 3)', { or: [[['a'], 'equal', '1'], { or: [[['b'], 'equal', '2'], [['c'], 'equal', '3']] }] }],
  ['not (a == 1 and b == 2)', { not: { and: [[['a'], 'equal', '1'], [['b'], 'equal', '2']] } }],
  ['((a is empty))', [['a'], 'isEmpty']],
  ['(a == 1)and(b == 2)', { and: [[['a'], 'equal', '1'], [['b'], 'equal', '2']] }],
  // The docs' example: these two are the same tree.
  ['a == 1 and not b == 2 or c == 3', { or: [{ and: [[['a'], 'equal', '1'], { not: [['b'], 'equal', '2'] }] }, [['c'], 'equal', '3']] }],
  ['( a == 1 and (not b == 2 )) or c == 3', { or: [{ and: [[['a'], 'equal', '1'], { not: [['b'], 'equal', '2'] }] }, [['c'], 'equal', '3']] }],
];

for (const [expression, expected] of parses) {
  test(`parses ${JSON.stringify(expression)}`, (t) => {
    t.deepEqual(shape(parseExpression(expression)), expected);
  });
}

/** [expression, "line:column (offset)", words the message must contain] */
const rejects: [string, string, string][] = [
  ['Service.Port', '1:13 (12)', 'expected an operator (==, !=, contains'],
  ['Service.Port abc', '1:14 (13)', 'after selector "Service.Port", found "abc"'],
  ['foo == "12x', '1:8 (7)', 'unterminated string literal'],
  ['foo == `12x', '1:8 (7)', 'unterminated string literal'],
  ['foo == 3x', '1:8 (7)', 'invalid number literal "3x"'],
  ['foo == 007', '1:8 (7)', 'invalid number literal "007"'],
  ['foo == 1.2.3', '1:8 (7)', 'invalid number literal "1.2.3"'],
  ['foo[3] == abc', '1:5 (4)', 'invalid index: expected a quoted key'],
  ['x in foo["abc"', '1:15 (14)', 'unclosed index expression'],
  ['foo["abc" == 3', '1:11 (10)', 'unclosed index expression'],
  ['x in 32', '1:6 (5)', 'expected a selector after "in"'],
  ['32 == 32', '1:4 (3)', 'expected "in" or "not in" after the value "32"'],
  ['32 is empty', '1:4 (3)', 'expected "in" or "not in"'],
  ['x in foo abc', '1:10 (9)', 'expected "and", "or" or the end of the expression, found "abc"'],
  ['x in foo and ', '1:14 (13)', 'expected a selector, a value, "not" or "(", found end of expression'],
  ['x in foo or ', '1:13 (12)', 'found end of expression'],
  ['(x in foo', '1:10 (9)', 'unmatched parentheses: expected "and", "or" or ")" to close the "(" at 1:1 (0)'],
  ['x in foo)', '1:9 (8)', 'this ")" has no matching "("'],
  ['Service.Port = 80', '1:14 (13)', 'unexpected character "=" (the comparison operators are == and !=)'],
  ['Service.Port > 80', '1:14 (13)', 'unexpected character ">" (filters have no ordering comparisons, only == and !=)'],
  ['Node.Meta.email == ops@example.com', '1:23 (22)', 'unexpected character "@" (quote values that contain it)'],
  ['Service.ID == web-1', '1:18 (17)', 'found "-1" (quote values that contain characters other than letters, digits and _, e.g. "web-1")'],
  ['Service.Port == ', '1:17 (16)', 'expected a value after "==", found end of expression'],
  ['Service.Tags is full', '1:17 (16)', 'expected "empty" or "not empty" after "is"'],
  ['Service.Tags not has x', '1:18 (17)', 'expected "contains", "matches" or "in" after "not"'],
  ['Service. Port == 1', '1:10 (9)', 'expected a field name after "Service."'],
  ['Service.1 == 1', '1:9 (8)', 'expected a field name after "Service."'],
  ['Service.Meta."x" == 1', '1:14 (13)', 'write other map keys as ["key"]'],
  ['a == "bad \\q escape"', '1:11 (10)', 'invalid escape sequence `\\q`'],
  ['a == "\\\n"', '1:7 (6)', 'invalid escape sequence `\\\\n`'], // a backslash then a real newline, shown escaped
  ['a == "\\u12"', '1:7 (6)', 'invalid escape sequence'],
  ['a == "\\xff"', '1:7 (6)', 'do not spell valid UTF-8'],
  ['a == "new\nline"', '1:10 (9)', 'cannot contain a newline'],
  ['a == 1 and\n  b ==', '2:7 (17)', 'expected a value after "=="'],
  ['', '1:1 (0)', 'expected a selector, a value, "not" or "("'],
  ['   ', '1:4 (3)', 'found end of expression'],
  ['not', '1:4 (3)', 'found end of expression'],
  ['()', '1:2 (1)', 'found ")"'],
];

for (const [expression, position, words] of rejects) {
  test(`rejects ${JSON.stringify(expression)} at ${position}`, (t) => {
    const error = t.throws(() => parseExpression(expression));
    t.true(isTaxiwayError(error));
    if (!isTaxiwayError(error)) return;
    t.is(error.code, 'invalid_filter');
    t.true(error.message.startsWith(`Failed to create boolean expression evaluator: ${position}: `), error.message);
    t.true(error.message.includes(words), error.message);
    t.false(error.message.includes('\n'), 'messages are one line');
  });
}

test('accepts exactly the maximum length and rejects one character more', (t) => {
  const padding = (length: number): string => `a == "${'x'.repeat(length - 7)}"`;
  t.notThrows(() => parseExpression(padding(16 * 1024)));
  const error = t.throws(() => parseExpression(padding(16 * 1024 + 1)));
  t.regex(error?.message ?? '', /is 16385 characters long; the limit is 16384$/);
});

test('accepts 64 levels of nesting and rejects 65, for both "(" and "not"', (t) => {
  const parenthesised = (depth: number): string => `${'('.repeat(depth)}a == 1${')'.repeat(depth)}`;
  const negated = (depth: number): string => `${'not '.repeat(depth)}a == 1`;
  t.notThrows(() => parseExpression(parenthesised(64)));
  t.notThrows(() => parseExpression(negated(64)));
  t.regex(t.throws(() => parseExpression(parenthesised(65)))?.message ?? '', /1:65 \(64\): expression nests "\(" and "not" more than 64 deep/);
  t.regex(t.throws(() => parseExpression(negated(65)))?.message ?? '', /more than 64 deep/);
});

test('a hostile depth fails with a filter error, not a stack overflow', (t) => {
  const error = t.throws(() => parseExpression('('.repeat(8000)));
  t.true(isTaxiwayError(error));
});

test('long and/or chains are flat, so their length costs no stack', (t) => {
  const chain = Array.from({ length: 1000 }, (_, i) => `a == ${i}`).join(' or ');
  const parsed = parseExpression(chain);
  t.is(parsed.type, 'or');
  if (parsed.type === 'or') t.is(parsed.operands.length, 1000);
});
