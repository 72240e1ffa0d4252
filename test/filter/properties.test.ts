// Goal: the laws the filter language must obey on any data, checked on random ServiceEntry
// objects (with absent fields, missing map keys and empty check lists) rather than hand-picked
// ones: `not`, `and`, `or` and parentheses agree with boolean logic; each negated operator is the
// complement of its positive form wherever no list is passed through; through a list, a match
// means "some element matches"; and the printer and parser round-trip any tree.
// Method: fast-check properties. A failure prints its seed and the shrunk counterexample.

import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import { compileFilter, parseExpression, printExpression, type Expression, type MatchOperator } from '../../src/filter/index.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import { serviceEntryFilterSchema } from '../../src/structs/node.js';
import { shape } from './tree-shape.js';

const metaArbitrary = fc.dictionary(fc.constantFrom('env', 'version', 'k-1'), fc.constantFrom('prod', 'staging', '', '1.2'), { maxKeys: 3 });

/** ServiceEntry-shaped objects; any field may be absent, as Go's omitempty leaves them out. */
const entryArbitrary = fc.record(
  {
    Node: fc.record({ Node: fc.constantFrom('node-1', 'node-2'), Meta: metaArbitrary }, { requiredKeys: [] }),
    Service: fc.record(
      {
        Service: fc.constantFrom('web', 'api', ''),
        Port: fc.constantFrom(80, 8080, 0),
        Tags: fc.subarray(['v1', 'v2', 'primary']),
        Meta: metaArbitrary,
        EnableTagOverride: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
    Checks: fc.array(fc.record({ Status: fc.constantFrom('passing', 'warning', 'critical'), ServiceTags: fc.subarray(['v1', 'v2']) }, { requiredKeys: [] }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

const atoms = [
  'Service.Service == web',
  'Service.Service != api',
  'Service.Port == 8080',
  'Service.Port != 0',
  'v1 in Service.Tags',
  '"primary" not in Service.Tags',
  'Service.Tags is empty',
  'Service.Meta.env == prod',
  'Service.Meta["k-1"] != staging',
  'Service.Meta.version is not empty',
  'env in Service.Meta',
  'Service.Meta.env matches "^pr"',
  'Service.Meta.env not matches "g$"',
  'Node.Meta is empty',
  'Checks.Status == passing',
  'Checks.Status != critical',
  'Checks is not empty',
  'Checks.ServiceTags contains v2',
  'Service.EnableTagOverride == true',
  '"eb" in Service.Service',
];

/** A boolean formula over atom indexes, with its text written independently of the printer. */
type Formula = { atom: number } | { not: Formula } | { and: [Formula, Formula] } | { or: [Formula, Formula] };

const formulaArbitrary: fc.Arbitrary<Formula> = fc.letrec<{ formula: Formula }>((tie) => ({
  formula: fc.oneof(
    { maxDepth: 4 },
    fc.nat({ max: atoms.length - 1 }).map((atom): Formula => ({ atom })),
    tie('formula').map((inner): Formula => ({ not: inner })),
    fc.tuple(tie('formula'), tie('formula')).map((pair): Formula => ({ and: pair })),
    fc.tuple(tie('formula'), tie('formula')).map((pair): Formula => ({ or: pair })),
  ),
})).formula;

function formulaText(formula: Formula): string {
  if ('atom' in formula) return atoms[formula.atom] as string;
  if ('not' in formula) return `not (${formulaText(formula.not)})`;
  if ('and' in formula) return `(${formulaText(formula.and[0])}) and (${formulaText(formula.and[1])})`;
  return `(${formulaText(formula.or[0])}) or (${formulaText(formula.or[1])})`;
}

const compiledAtoms = atoms.map((atom) => compileFilter(atom, serviceEntryFilterSchema));

/** The formula's value computed with JS's own boolean operators over the atoms' results. */
function expected(formula: Formula, entry: unknown): boolean {
  if ('atom' in formula) return (compiledAtoms[formula.atom] as { matches(value: unknown): boolean }).matches(entry);
  if ('not' in formula) return !expected(formula.not, entry);
  if ('and' in formula) return expected(formula.and[0], entry) && expected(formula.and[1], entry);
  return expected(formula.or[0], entry) || expected(formula.or[1], entry);
}

test('not, and, or and parentheses agree with boolean logic', (t) => {
  fc.assert(
    fc.property(formulaArbitrary, fc.array(entryArbitrary, { minLength: 1, maxLength: 5 }), (formula, entries) => {
      const filter = compileFilter(formulaText(formula), serviceEntryFilterSchema);
      return entries.every((entry) => filter.matches(entry) === expected(formula, entry));
    }),
  );
  t.pass();
});

test('not (E) is the complement of E', (t) => {
  fc.assert(
    fc.property(formulaArbitrary, entryArbitrary, (formula, entry) => {
      const text = formulaText(formula);
      return compileFilter(`not (${text})`, serviceEntryFilterSchema).matches(entry) === !compileFilter(text, serviceEntryFilterSchema).matches(entry);
    }),
  );
  t.pass();
});

test('without a list on the way, each negated operator is the complement of its positive form', (t) => {
  // Including missing map keys: the two answers of go-bexpr's NotPresentDisposition are opposite.
  const pairs: [string, string][] = [
    ['Service.Meta.env == prod', 'Service.Meta.env != prod'],
    ['prod in Service.Meta.env', 'prod not in Service.Meta.env'],
    ['Service.Meta.env contains ro', 'Service.Meta.env not contains ro'],
    ['Service.Meta.env is empty', 'Service.Meta.env is not empty'],
    ['Service.Meta.env matches "^(prod|)$"', 'Service.Meta.env not matches "^(prod|)$"'],
    ['"k-1" in Service.Meta', '"k-1" not in Service.Meta'],
    ['v2 in Service.Tags', 'v2 not in Service.Tags'],
    ['Service.Port == 80', 'Service.Port != 80'],
    ['Service.EnableTagOverride == false', 'Service.EnableTagOverride != false'],
  ];
  const compiled = pairs.map(([positive, negative]) => [compileFilter(positive, serviceEntryFilterSchema), compileFilter(negative, serviceEntryFilterSchema)] as const);
  fc.assert(fc.property(entryArbitrary, (entry) => compiled.every(([positive, negative]) => positive.matches(entry) !== negative.matches(entry))));
  t.pass();
});

test('through a list, a match holds when some element matches, negated operators included', (t) => {
  const statusIs = compileFilter('Checks.Status == passing', serviceEntryFilterSchema);
  const statusIsNot = compileFilter('Checks.Status != passing', serviceEntryFilterSchema);
  const tagged = compileFilter('Checks.ServiceTags not contains v1', serviceEntryFilterSchema);
  fc.assert(
    fc.property(entryArbitrary, (entry) => {
      const checks = entry.Checks ?? [];
      const status = (check: { Status?: string }): string => check.Status ?? '';
      return (
        statusIs.matches(entry) === checks.some((check) => status(check) === 'passing') &&
        statusIsNot.matches(entry) === checks.some((check) => status(check) !== 'passing') &&
        tagged.matches(entry) === checks.some((check) => !(check.ServiceTags ?? []).includes('v1'))
      );
    }),
  );
  t.pass();
});

// ---- printer ↔ parser ---------------------------------------------------------------------------

const identifierArbitrary = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,6}$/);
/** Map keys and values: anything printable, including quotes, backslashes, dots and keywords. */
const textArbitrary = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('and', 'or', 'not', 'in', '"', '\\', '`', 'a.b', '\t', '\n', '\r\n', '\x00', 'é☺', '😃'));
const selectorArbitrary = fc.tuple(identifierArbitrary, fc.array(fc.oneof(identifierArbitrary, textArbitrary), { maxLength: 3 })).map(([first, rest]) => ({ path: [first, ...rest], offset: 0 }));
const binaryOperators: MatchOperator[] = ['equal', 'notEqual', 'in', 'notIn', 'matches', 'notMatches'];

const expressionArbitrary: fc.Arbitrary<Expression> = fc.letrec<{ expression: Expression }>((tie) => ({
  expression: fc.oneof(
    { maxDepth: 4 },
    fc.tuple(selectorArbitrary, fc.constantFrom(...binaryOperators), textArbitrary).map(
      ([selector, operator, raw]) => ({ type: 'match', selector, operator, value: { raw, offset: 0 } }) as Expression,
    ),
    fc.tuple(selectorArbitrary, fc.constantFrom('isEmpty' as const, 'isNotEmpty' as const)).map(([selector, operator]): Expression => ({ type: 'match', selector, operator })),
    tie('expression').map((operand): Expression => ({ type: 'not', operand })),
    fc.array(tie('expression'), { minLength: 2, maxLength: 3 }).map((operands): Expression => ({ type: 'and', operands })),
    fc.array(tie('expression'), { minLength: 2, maxLength: 3 }).map((operands): Expression => ({ type: 'or', operands })),
  ),
})).expression;

test('a printed tree parses back to the same tree', (t) => {
  fc.assert(fc.property(expressionArbitrary, (expression) => isDeepStrictEqual(shape(parseExpression(printExpression(expression))), shape(expression))));
  t.pass();
});

test('printing is stable: print(parse(print(E))) = print(E)', (t) => {
  fc.assert(
    fc.property(expressionArbitrary, (expression) => {
      const printed = printExpression(expression);
      return printExpression(parseExpression(printed)) === printed;
    }),
  );
  t.pass();
});

// ---- robustness --------------------------------------------------------------------------------

const fragments = ['Service', 'Checks', 'Meta', 'Port', 'Status', 'Tags', '.', '[', ']', '"x"', '`y`', '"(a"', '"[z-a]"', '(', ')', ' ', '\n', 'and', 'or', 'not', 'in', 'contains', 'matches', 'is', 'empty', '==', '!=', '=', '1', '-', '0x', '"', '`', '\\', 'é', '\x00'];
const hostileArbitrary = fc.oneof(
  fc.array(fc.constantFrom(...fragments), { maxLength: 30 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

test('any input compiles or fails with a one-line invalid_filter error, never anything else', (t) => {
  fc.assert(
    fc.property(hostileArbitrary, entryArbitrary, (expression, entry) => {
      try {
        compileFilter(expression, serviceEntryFilterSchema).matches(entry);
        return true;
      } catch (error) {
        return isTaxiwayError(error) && error.code === 'invalid_filter' && !/[\n\r]/.test(error.message);
      }
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
