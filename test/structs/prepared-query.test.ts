// Goal: prepared query bodies decode as Go's encoding/json does for Consul (case-insensitive
// fields, unknown ones ignored, wrong types refused), validation gives Consul's messages, and
// templates render ${name.*} and ${match(N)} in every Service string, as Consul's template tests
// describe. Method: table tests on the pure functions.

import test from 'ava';
import { compileTemplate, renderTemplate } from '../../src/structs/prepared-query-template.js';
import { decodePreparedQuery, queryDnsTtlSeconds, validatePreparedQuery } from '../../src/structs/prepared-query.js';

test('decode: case-insensitive fields, defaults, unknown fields ignored', (t) => {
  const query = decodePreparedQuery({ name: 'q', service: { service: 'web', onlypassing: true, tags: ['a'] }, dns: { ttl: '10s' }, Extra: 1 });
  t.like(query, { ID: '', Name: 'q', Session: '', DNS: { TTL: '10s' }, Template: { Type: '', Regexp: '', RemoveEmptyTags: false } });
  t.like(query.Service, { Service: 'web', OnlyPassing: true, Tags: ['a'], NodeMeta: null, Near: '', Failover: { NearestN: 0, Datacenters: null, Targets: null } });
});

test('decode: wrong types are a 400', (t) => {
  t.throws(() => decodePreparedQuery({ Name: 1 }), { message: /Request decode failed: .*PreparedQuery\.Name of type string/ });
  t.throws(() => decodePreparedQuery({ Service: { Tags: 'a' } }), { message: /Service\.Tags of type \[\]string/ });
  t.throws(() => decodePreparedQuery([]), { message: /Request decode failed/ });
});

const invalidCases: [string, Record<string, unknown>, string][] = [
  ['anonymous without session', { Service: { Service: 'web' } }, 'Invalid prepared query: Must be bound to a session'],
  ['no service', { Name: 'q' }, 'Invalid prepared query: Must provide a Service name to query'],
  ['negative NearestN', { Name: 'q', Service: { Service: 'web', Failover: { NearestN: -1 } } }, "Invalid prepared query: Bad NearestN '-1', must be >= 0"],
  ['bad TTL', { Name: 'q', Service: { Service: 'web' }, DNS: { TTL: 'soon' } }, `Invalid prepared query: Bad DNS TTL 'soon': time: invalid duration "soon"`],
  ['negative TTL', { Name: 'q', Service: { Service: 'web' }, DNS: { TTL: '-1s' } }, "Invalid prepared query: DNS TTL '-1s', must be >=0"],
  ['redacted token', { Name: 'q', Token: '<hidden>', Service: { Service: 'web' } }, /redacted token/ as unknown as string],
];
for (const [name, body, message] of invalidCases) {
  test(`validate refuses: ${name}`, (t) => {
    t.throws(() => validatePreparedQuery(decodePreparedQuery(body)), { message: message as unknown as RegExp });
  });
}

test('validate accepts a template without a name and a session-bound anonymous query', (t) => {
  t.notThrows(() => validatePreparedQuery(decodePreparedQuery({ Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.full}' } })));
  t.notThrows(() => validatePreparedQuery(decodePreparedQuery({ Session: 's', Service: { Service: 'web' } })));
});

test('DNS TTL in seconds; empty means the service_ttl rules', (t) => {
  t.is(queryDnsTtlSeconds({ TTL: '1m30s' }), 90);
  t.is(queryDnsTtlSeconds({ TTL: '' }), undefined);
});

function template(body: Record<string, unknown>) {
  return compileTemplate({ ...decodePreparedQuery({ Template: { Type: 'name_prefix_match' }, ...body }), ID: 'x' });
}

test('render: name.full, name.prefix, name.suffix and agent.segment in every Service string', (t) => {
  const compiled = template({
    Name: 'geo-',
    Service: {
      Service: '${name.suffix}',
      Near: '${name.full}',
      Tags: ['${name.prefix}x', 'seg${agent.segment}'],
      NodeMeta: { zone: '${name.suffix}' },
      Failover: { Datacenters: ['dc-${name.suffix}'] },
    },
  });
  const service = renderTemplate(compiled, 'geo-web').Service;
  t.like(service, { Service: 'web', Near: 'geo-web', Tags: ['geo-x', 'seg'], NodeMeta: { zone: 'web' }, Failover: { NearestN: 0, Datacenters: ['dc-web'], Targets: null } });
});

test('render: match(N) groups, "" past the last group or without a match; RemoveEmptyTags', (t) => {
  const body = { Name: 'geo-db-', Template: { Type: 'name_prefix_match', Regexp: '^geo-db-(.*?)-([^\\-]+?)$' }, Service: { Service: 'mysql-${match(1)}', Tags: ['${match(2)}', '${match(9)}'] } };
  t.like(renderTemplate(template(body), 'geo-db-customer-primary').Service, { Service: 'mysql-customer', Tags: ['primary', ''] });
  t.like(renderTemplate(template(body), 'geo-db-nomatch').Service, { Service: 'mysql-', Tags: ['', ''] });
  const removing = template({ ...body, Template: { ...body.Template, RemoveEmptyTags: true } });
  t.deepEqual(renderTemplate(removing, 'geo-db-customer-primary').Service.Tags, ['primary']);
});

test('render: Go spellings (?P<name>) and (?i) work; $${ stays literal', (t) => {
  const compiled = template({ Name: 'x', Template: { Type: 'name_prefix_match', Regexp: '(?i)^X-(?P<rest>.+)$' }, Service: { Service: '${match(1)}', Near: '$${name.full}' } });
  t.like(renderTemplate(compiled, 'x-abc').Service, { Service: 'abc', Near: '${name.full}' });
});

test('compile: bad type, bad interpolation and a Regexp RE2 refuses are errors', (t) => {
  t.throws(() => template({ Template: { Type: 'other' }, Service: { Service: 'a' } }), { message: "Bad Template.Type 'other'" });
  t.throws(() => template({ Service: { Service: '${name.wat}' } }), { message: /^Bad format '\$\{name\.wat\}' in Service\.Service/ });
  t.throws(() => template({ Service: { Service: '${name.full' } }), { message: /unterminated/ });
  t.throws(() => template({ Template: { Type: 'name_prefix_match', Regexp: '(a' }, Service: { Service: 'a' } }), { message: /^Bad Regexp: error parsing regexp/ });
  t.throws(() => template({ Template: { Type: 'name_prefix_match', Regexp: '(?=a)' }, Service: { Service: 'a' } }), { message: /^Bad Regexp/ }, 'lookahead is not RE2');
});
