// Goal: decode() reads untrusted JSON as Go's encoding/json does for Consul's structs (keys match
// case-insensitively, snake_case too; absent and null fields take Go's zero values; optional
// fields stay undefined), weak mode adds what Consul's config decoding accepts ("8500" → 8500,
// "true" → true, an HCL block list → its object), every wrong type is reported as a DecodeError
// with the exact path, a "__proto__" key in a map stays a key, and unknown keys are reported.
// Method: table tests on a small schema and on the real service-definition schema.

import test from 'ava';
import { decode, DecodeError, foldKey, type Infer, s, zeroValue } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';

const portsSchema = s.struct('Ports', { HTTP: s.int(-1, 65535), DNS: s.int(-1, 65535) });
const schema = s.struct(
  'Thing',
  {
    Name: s.string(),
    Port: s.int(0, 65535),
    Count: s.uint(),
    Ratio: s.float(),
    Enabled: s.bool(),
    EnableTagOverride: s.bool(),
    Interval: s.duration(),
    Tags: s.list(s.string()),
    Meta: s.map(s.string()),
    Ports: portsSchema,
    Weights: s.optional(s.struct('Weights', { Passing: s.int(), Warning: s.int() })),
    Items: s.list(s.struct('Item', { ID: s.string(), Size: s.int() })),
    Raw: s.any(),
  },
  { aliases: { Service: 'Name' } },
);
type Thing = Infer<typeof schema>;

const zero: Thing = {
  Name: '',
  Port: 0,
  Count: 0,
  Ratio: 0,
  Enabled: false,
  EnableTagOverride: false,
  Interval: 0,
  Tags: [],
  Meta: {},
  Ports: { HTTP: 0, DNS: 0 },
  Weights: undefined,
  Items: [],
  Raw: undefined,
};

const decodes: { name: string; input: unknown; weak?: boolean; expected: Partial<Thing> }[] = [
  { name: 'empty object → every zero value', input: {}, expected: {} },
  { name: 'null fields → zero values', input: { Name: null, Tags: null, Meta: null, Ports: null, Weights: null }, expected: {} },
  { name: 'exact keys', input: { Name: 'web', Port: 80 }, expected: { Name: 'web', Port: 80 } },
  { name: 'lowercase keys', input: { name: 'web', port: 80 }, expected: { Name: 'web', Port: 80 } },
  { name: 'UPPERCASE keys', input: { NAME: 'web', ENABLETAGOVERRIDE: true }, expected: { Name: 'web', EnableTagOverride: true } },
  { name: 'snake_case keys', input: { enable_tag_override: true }, expected: { EnableTagOverride: true } },
  { name: 'an alias, case-insensitively', input: { service: 'web' }, expected: { Name: 'web' } },
  { name: 'the last of two spellings wins, as in Go', input: { name: 'a', Name: 'b' }, expected: { Name: 'b' } },
  { name: 'nested struct keys fold too', input: { ports: { http: 8500 } }, expected: { Ports: { HTTP: 8500, DNS: 0 } } },
  { name: 'optional present', input: { Weights: { Passing: 3 } }, expected: { Weights: { Passing: 3, Warning: 0 } } },
  { name: 'durations from strings', input: { Interval: '1m30s' }, expected: { Interval: 90_000 } },
  { name: 'durations from nanoseconds', input: { Interval: 1_500_000_000 }, expected: { Interval: 1500 } },
  { name: 'map keys are kept exactly', input: { Meta: { Env: 'prod', env: 'dev', 'a-b_c': '' } }, expected: { Meta: { Env: 'prod', env: 'dev', 'a-b_c': '' } } },
  { name: 'any is kept as given', input: { Raw: { x: [1, { y: null }] } }, expected: { Raw: { x: [1, { y: null }] } } },
  { name: 'list of structs', input: { Items: [{ id: 'a' }, { ID: 'b', size: 2 }] }, expected: { Items: [{ ID: 'a', Size: 0 }, { ID: 'b', Size: 2 }] } },
  { name: 'floats take integers', input: { Ratio: 2 }, expected: { Ratio: 2 } },
  { name: 'weak: numeric strings', input: { Port: '8500', Count: ' 7 ', Ratio: '0.5', Ports: { HTTP: '-1' } }, weak: true, expected: { Port: 8500, Count: 7, Ratio: 0.5, Ports: { HTTP: -1, DNS: 0 } } },
  { name: 'weak: bool strings', input: { Enabled: 'true', EnableTagOverride: 'T' }, weak: true, expected: { Enabled: true, EnableTagOverride: true } },
  { name: 'weak: false strings', input: { Enabled: 'false', EnableTagOverride: '0' }, weak: true, expected: {} },
  { name: 'weak: numbers as bools', input: { Enabled: 1, EnableTagOverride: 0 }, weak: true, expected: { Enabled: true } },
  { name: 'weak: scalars as strings', input: { Name: 8500 }, weak: true, expected: { Name: '8500' } },
  { name: 'weak: an HCL block list is its object', input: { ports: [{ http: 1 }] }, weak: true, expected: { Ports: { HTTP: 1, DNS: 0 } } },
  { name: 'weak: an HCL block list for a map', input: { meta: [{ k: 'v' }] }, weak: true, expected: { Meta: { k: 'v' } } },
  { name: 'weak: a scalar where a list is expected', input: { tags: 'a' }, weak: true, expected: { Tags: ['a'] } },
  { name: 'weak: a list of blocks stays a list', input: { items: [{ id: 'a' }] }, weak: true, expected: { Items: [{ ID: 'a', Size: 0 }] } },
];

for (const { name, input, weak, expected } of decodes) {
  test(`decode: ${name}`, (t) => {
    t.deepEqual(decode(schema, input, { weak }), { ...zero, ...expected });
  });
}

const failures: { name: string; input: unknown; weak?: boolean; path: string; message: string }[] = [
  { name: 'not an object', input: [], path: '', message: 'body: expected an object (Thing), got array' },
  { name: 'null body is the zero value, a string body is not', input: 'x', path: '', message: 'body: expected an object (Thing), got string "x"' },
  { name: 'string for int', input: { Port: '80' }, path: 'Port', message: 'Port: expected a non-negative integer, got string "80"' },
  { name: 'int out of range', input: { Port: 70000 }, path: 'Port', message: 'Port: expected an integer from 0 to 65535, got number 70000' },
  { name: 'negative uint', input: { Count: -1 }, path: 'Count', message: 'Count: expected an integer from 0 to 9007199254740991, got number -1' },
  { name: 'fraction for int', input: { Count: 1.5 }, path: 'Count', message: 'Count: expected a non-negative integer, got number 1.5' },
  { name: 'number for string', input: { Name: 1 }, path: 'Name', message: 'Name: expected a string, got number 1' },
  { name: 'string for bool', input: { Enabled: 'true' }, path: 'Enabled', message: 'Enabled: expected true or false, got string "true"' },
  { name: 'bad duration', input: { Interval: '10' }, path: 'Interval', message: 'Interval: expected a duration such as "10s" or "1m30s", got string "10"' },
  { name: 'object for list', input: { Tags: {} }, path: 'Tags', message: 'Tags: expected a list, got object' },
  { name: 'bad list element', input: { Tags: ['a', 2] }, path: 'Tags[1]', message: 'Tags[1]: expected a string, got number 2' },
  { name: 'bad nested field, path as the user spelled it', input: { items: [{}, { size: 'x' }] }, path: 'items[1].size', message: 'items[1].size: expected an integer, got string "x"' },
  { name: 'bad map value', input: { Meta: { env: 1 } }, path: 'Meta.env', message: 'Meta.env: expected a string, got number 1' },
  { name: 'list for map', input: { Meta: ['a'] }, path: 'Meta', message: 'Meta: expected an object, got array' },
  { name: 'long strings are cut in messages', input: { Port: 'x'.repeat(50) }, path: 'Port', message: `Port: expected a non-negative integer, got string "${'x'.repeat(40)}…"` },
  { name: 'weak: not a number', input: { Port: 'http' }, weak: true, path: 'Port', message: 'Port: expected a non-negative integer, got string "http"' },
  { name: 'weak: not a bool', input: { Enabled: 'yes' }, weak: true, path: 'Enabled', message: 'Enabled: expected true or false, got string "yes"' },
  { name: 'weak: two blocks for one struct', input: { Ports: [{}, {}] }, weak: true, path: 'Ports', message: 'Ports: expected an object (Ports), got array' },
  { name: 'weak: a non-finite float', input: { Ratio: 'Infinity' }, weak: true, path: 'Ratio', message: 'Ratio: expected a number, got string "Infinity"' },
];

for (const { name, input, weak, path, message } of failures) {
  test(`decode error: ${name}`, (t) => {
    const error = t.throws(() => decode(schema, input, { weak }), { instanceOf: DecodeError });
    t.is(error?.path, path);
    t.is(error?.message, message);
  });
}

test('a "__proto__" key in a map stays an own key and does not touch the prototype', (t) => {
  const input: unknown = JSON.parse('{"Meta": {"__proto__": "x", "constructor": "y"}}');
  const decoded = decode(schema, input);
  t.deepEqual(Object.keys(decoded.Meta), ['__proto__', 'constructor']);
  t.is(Object.getOwnPropertyDescriptor(decoded.Meta, '__proto__')?.value, 'x');
  t.is(Object.getPrototypeOf(decoded.Meta), Object.prototype);
  t.is(JSON.stringify(decoded.Meta), '{"__proto__":"x","constructor":"y"}');
  t.is(({} as Record<string, unknown>).x, undefined, 'no pollution');
});

test('a "__proto__" key in a struct is an unknown key, not a prototype', (t) => {
  const unknown: string[] = [];
  const input: unknown = JSON.parse('{"__proto__": {"Name": "evil"}, "Ports": {"__proto__": {"polluted": 1}}}');
  const decoded = decode(schema, input, { onUnknownKey: (path) => unknown.push(path) });
  t.is(decoded.Name, '');
  t.deepEqual(unknown, ['__proto__', 'Ports.__proto__']);
  t.is(Object.getPrototypeOf(decoded.Ports), Object.prototype);
  t.is(({} as Record<string, unknown>).polluted, undefined);
});

test('unknown keys are ignored and reported with their path', (t) => {
  const unknown: string[] = [];
  const decoded = decode(schema, { Name: 'web', Colour: 'red', Ports: { HTTP: 1, Grpc: 2 }, Items: [{ ID: 'a', extra: true }] }, { onUnknownKey: (path) => unknown.push(path) });
  t.is(decoded.Name, 'web');
  t.deepEqual(unknown, ['Colour', 'Ports.Grpc', 'Items[0].extra']);
  t.false('Colour' in decoded);
});

test('map keys are never reported as unknown', (t) => {
  const unknown: string[] = [];
  decode(schema, { Meta: { anything: 'x' } }, { onUnknownKey: (path) => unknown.push(path) });
  t.deepEqual(unknown, []);
});

test('zeroValue gives Go zero values, and decoding twice never shares them', (t) => {
  t.deepEqual(zeroValue(schema), zero);
  const a = decode(schema, {});
  const b = decode(schema, {});
  a.Tags.push('x');
  a.Meta.k = 'v';
  t.deepEqual(b.Tags, []);
  t.deepEqual(b.Meta, {});
});

const foldCases: [string, string][] = [
  ['EnableTagOverride', 'enabletagoverride'],
  ['enable_tag_override', 'enabletagoverride'],
  ['Enable-Tag-Override', 'enabletagoverride'],
  ['ID', 'id'],
];

for (const [key, folded] of foldCases) {
  test(`foldKey(${JSON.stringify(key)}) → ${folded}`, (t) => {
    t.is(foldKey(key), folded);
  });
}

test('the service definition schema: a Consul agent-API body in mixed spellings', (t) => {
  const decoded = decode(serviceDefinitionSchema, {
    name: 'web',
    ID: 'web-1',
    tags: ['v1'],
    port: 80,
    enable_tag_override: true,
    check: { http: 'http://localhost/health', interval: '10s' },
    Checks: [{ TTL: '30s' }],
    weights: { passing: 10, warning: 1 },
  });
  t.like(decoded, { Name: 'web', ID: 'web-1', Tags: ['v1'], Port: 80, EnableTagOverride: true, Weights: { Passing: 10, Warning: 1 } });
  t.like(decoded.Check, { HTTP: 'http://localhost/health', Interval: 10_000 });
  t.is(decoded.Checks[0]?.TTL, 30_000);
  t.is(decoded.Proxy, undefined);
  t.is(decoded.Connect, undefined);
});

test('the service definition schema: "Service" is an alias of Name, and check "id" of CheckID', (t) => {
  const decoded = decode(serviceDefinitionSchema, { Service: 'api', Check: { id: 'c1', ttl: '5s' } });
  t.is(decoded.Name, 'api');
  t.is(decoded.Check?.CheckID, 'c1');
});
