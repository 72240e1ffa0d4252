// Goal: everything wrong with a filter that the schema can tell is reported when the filter is
// compiled, before any data is read, as Consul does (go-bexpr v0.1.2 validate.go): unknown or
// unfilterable selectors, operators the field lacks, values that do not convert to the field's
// type, and bad regular expressions. Each message is one line, says what and where.
// Method: table of expression → exact message after Consul's prefix.

import test from 'ava';
import { compileFilter } from '../../src/filter/index.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import { healthCheckFilterSchema } from '../../src/structs/check.js';
import { serviceEntryFilterSchema } from '../../src/structs/node.js';
import { s } from '../../src/structs/schema.js';

const rejects: [expression: string, detail: string][] = [
  // Selectors: unknown names, case, depth, what lies below a primitive.
  ['Service.Foo == 1', '1:1 (0): Selector "Service.Foo" is not valid: NodeService has no field "Foo"'],
  ['Service.Foo.Bar == 1', '1:1 (0): Selector "Service.Foo" is not valid: NodeService has no field "Foo"'],
  ['service.Port == 1', '1:1 (0): Selector "service" is not valid: ServiceEntry has no field "service" (field names are case-sensitive: did you mean "Service"?)'],
  ['Service.port == 1', '1:1 (0): Selector "Service.port" is not valid: NodeService has no field "port" (field names are case-sensitive: did you mean "Port"?)'],
  ['Service.Port.Value == 1', '1:1 (0): Selector "Service.Port.Value" is not valid: Service.Port is an integer and has no fields'],
  ['Service.Meta.env.x == 1', '1:1 (0): Selector "Service.Meta.env.x" is not valid: Service.Meta.env is a string and has no fields'],
  ['Checks.Nope == 1', '1:1 (0): Selector "Checks.Nope" is not valid: HealthCheck has no field "Nope"'],
  ['Service.CreateIndex == 1', '1:1 (0): Selector "Service.CreateIndex" is not valid: NodeService has no field "CreateIndex"'],
  ['x == 1 and "v1" in Service.Tagz', '1:1 (0): Selector "x" is not valid: ServiceEntry has no field "x"'],
  ['Node.Node == a and "v1" in Service.Tagz', '1:28 (27): Selector "Service.Tagz" is not valid: NodeService has no field "Tagz"'],
  // Operators each kind of field does not have.
  ['Service.Port is empty', '1:1 (0): Invalid match operator "is empty" for selector "Service.Port": it is an integer, which supports == and !='],
  ['Service.Port contains 8', '1:1 (0): Invalid match operator "in" for selector "Service.Port": it is an integer, which supports == and !='],
  ['Service.Port matches "8"', '1:1 (0): Invalid match operator "matches" for selector "Service.Port": it is an integer, which supports == and !='],
  ['Service.Tags == v1', '1:1 (0): Invalid match operator "==" for selector "Service.Tags": it is a list of strings, which supports in, contains and is empty'],
  ['Service.Tags matches v1', '1:1 (0): Invalid match operator "matches" for selector "Service.Tags": it is a list of strings, which supports in, contains and is empty'],
  ['Checks contains x', '1:1 (0): Invalid match operator "in" for selector "Checks": it is a list of HealthCheck objects, which supports is empty (select a field of its elements to match any of them)'],
  ['Service.Meta == x', '1:1 (0): Invalid match operator "==" for selector "Service.Meta": it is a map of strings, which supports in, contains (on its keys) and is empty, or select a key'],
  ['Service is empty', '1:1 (0): Invalid match operator "is empty" for selector "Service": it is a NodeService, which supports no operators: select one of its fields'],
  ['Service.Weights != 1', '1:1 (0): Invalid match operator "!=" for selector "Service.Weights": it is a Weights, which supports no operators: select one of its fields'],
  // Values that do not convert to the field's type (go-bexpr: "Failed to coerce value").
  ['Service.Port == abc', '1:17 (16): Failed to coerce value "abc" for selector "Service.Port": not an integer'],
  ['Service.Port == 80.5', '1:17 (16): Failed to coerce value "80.5" for selector "Service.Port": not an integer'],
  ['Service.Port == "99999999999999999999"', '1:17 (16): Failed to coerce value "99999999999999999999" for selector "Service.Port": out of range for a 64-bit integer'],
  ['Service.EnableTagOverride == yes', '1:30 (29): Failed to coerce value "yes" for selector "Service.EnableTagOverride": not a boolean (true or false)'],
  ['Service.Weights.Passing != ""', '1:28 (27): Failed to coerce value "" for selector "Service.Weights.Passing": not an integer'],
  // Regular expressions: compiled once, here.
  ['Service.Service matches "("', '1:25 (24): Failed to compile regular expression "(": error parsing regexp: missing closing ): `(`'],
  ['Service.Service matches "a**"', '1:25 (24): Failed to compile regular expression "a**": error parsing regexp: invalid nested repetition operator: `**`'],
  ['Service.Service matches "(?=web)"', '1:25 (24): Failed to compile regular expression "(?=web)": error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
  ['Service.Service not matches `(a)\\1`', '1:29 (28): Failed to compile regular expression "(a)\\\\1": error parsing regexp: invalid escape sequence: `\\1`'],
];

for (const [expression, detail] of rejects) {
  test(`rejects ${JSON.stringify(expression)}`, (t) => {
    const error = t.throws(() => compileFilter(expression, serviceEntryFilterSchema));
    t.true(isTaxiwayError(error));
    if (!isTaxiwayError(error)) return;
    t.is(error.code, 'invalid_filter');
    t.is(error.httpStatus, 400);
    t.is(error.message, `Failed to create boolean expression evaluator: ${detail}`);
  });
}

test('fields marked unfilterable (Consul bexpr:"-") and opaque JSON cannot be selected', (t) => {
  const schema = s.struct(
    'Example',
    { Name: s.string(), Secret: s.string(), Config: s.any(), Labels: s.map(s.any()) },
    { unfilterable: ['Secret'] },
  );
  const detail = (expression: string): string => (t.throws(() => compileFilter(expression, schema))?.message ?? '').replace('Failed to create boolean expression evaluator: ', '');
  t.is(detail('Secret == x'), '1:1 (0): Selector "Secret" is not valid: Example.Secret cannot be used in filters');
  t.is(detail('Config == x'), '1:1 (0): Selector "Config" is not valid: Example.Config cannot be used in filters');
  t.is(detail('Labels.a == x'), '1:1 (0): Selector "Labels.a" is not valid: the values of Labels are opaque JSON and cannot be selected');
  // The map itself still answers in and is empty, as go-bexpr allows on map[string]interface{}.
  t.true(compileFilter('a in Labels', schema).matches({ Labels: { a: { nested: true } } }));
  t.true(compileFilter('Labels is empty', schema).matches({}));
});

test('optional and float fields, and lists of numbers, coerce their own way', (t) => {
  const schema = s.struct('Example', { Ratio: s.float(), Maybe: s.optional(s.int()), Ports: s.list(s.int()), Flags: s.list(s.bool()) });
  t.true(compileFilter('Ratio == 0.5 and Maybe == 0 and 8080 in Ports and true in Flags', schema).matches({ Ratio: 0.5, Ports: [80, 8080], Flags: [false, true] }));
  t.true(compileFilter('Ratio == "5e-1" and Ratio != nan', schema).matches({ Ratio: 0.5 }));
  t.regex(t.throws(() => compileFilter('x in Ports', schema))?.message ?? '', /Failed to coerce value "x" for selector "Ports": not an integer$/);
  t.regex(t.throws(() => compileFilter('Ratio == 1e999', schema))?.message ?? '', /invalid number literal "1e999"/);
  t.regex(t.throws(() => compileFilter('Ratio == "1e999"', schema))?.message ?? '', /out of range for a 64-bit float$/);
});

test('selector errors name the schema of the endpoint they were compiled for', (t) => {
  const error = t.throws(() => compileFilter('Service.Service == web', healthCheckFilterSchema));
  t.is(error?.message, 'Failed to create boolean expression evaluator: 1:1 (0): Selector "Service" is not valid: HealthCheck has no field "Service"');
});
