// Goal: query parameters become QueryOptions with Consul's rules and texts (agent/http.go):
// ?wait= is a Go duration and ?index= an unsigned integer ("Invalid wait time", "Invalid index");
// ?stale/?consistent/?cached are presence flags and conflict with Consul's words; ?max_stale > 0
// implies stale; the token comes from ?token=, then X-Consul-Token, then "Authorization: Bearer",
// then the agent's default; Enterprise-only ?ns/?partition are refused; ?node-meta= pairs split at
// the first colon; booleans parse as Go's strconv.ParseBool.
// Method: table tests of params/headers → options, or → the exact bad_request message.

import test from 'ava';
import { parseGoBool, parseNodeMeta, parseQueryOptions, parseWait, parseWriteOptions, type QueryParams, rejectEnterpriseParams, tokenOf } from '../../src/http/query-options.js';
import { isTaxiwayError } from '../../src/lib/errors.js';

type Headers = Record<string, string | string[] | undefined>;

/** The bad_request message `fn` throws, or its result. */
function run<T>(fn: () => T): T | { error: string } {
  try {
    return fn();
  } catch (error) {
    if (isTaxiwayError(error) && error.code === 'bad_request') return { error: error.message };
    throw error;
  }
}

const waitCases: { params: QueryParams; expected: ReturnType<typeof parseWait> | { error: string } }[] = [
  { params: {}, expected: { minQueryIndex: 0, maxQueryTimeMs: 0 } },
  { params: { index: '0' }, expected: { minQueryIndex: 0, maxQueryTimeMs: 0 } },
  { params: { index: '42', wait: '10s' }, expected: { minQueryIndex: 42, maxQueryTimeMs: 10_000 } },
  { params: { wait: '1m30s' }, expected: { minQueryIndex: 0, maxQueryTimeMs: 90_000 } },
  { params: { wait: '100ms' }, expected: { minQueryIndex: 0, maxQueryTimeMs: 100 } },
  { params: { wait: '1h' }, expected: { minQueryIndex: 0, maxQueryTimeMs: 3_600_000 } }, // clamped later, by the blocking query
  { params: { index: ['7', '8'] }, expected: { minQueryIndex: 7, maxQueryTimeMs: 0 } }, // Go's Query().Get: the first value
  { params: { index: '' }, expected: { minQueryIndex: 0, maxQueryTimeMs: 0 } },
  { params: { index: '9007199254740991' }, expected: { minQueryIndex: Number.MAX_SAFE_INTEGER, maxQueryTimeMs: 0 } },
  { params: { index: '18446744073709551615' }, expected: { minQueryIndex: Number.MAX_SAFE_INTEGER, maxQueryTimeMs: 0 } }, // uint64 max: valid, clamped
  { params: { index: '18446744073709551616' }, expected: { error: 'Invalid index' } }, // beyond uint64
  { params: { wait: '' }, expected: { minQueryIndex: 0, maxQueryTimeMs: 0 } },
  { params: { wait: '10' }, expected: { error: 'Invalid wait time' } },
  { params: { wait: 'soon' }, expected: { error: 'Invalid wait time' } },
  { params: { wait: '10s', index: 'x' }, expected: { error: 'Invalid index' } },
  { params: { index: '-1' }, expected: { error: 'Invalid index' } },
  { params: { index: '1.5' }, expected: { error: 'Invalid index' } },
  { params: { index: '+1' }, expected: { error: 'Invalid index' } },
  { params: { index: '0x10' }, expected: { error: 'Invalid index' } },
  { params: { index: ' 1' }, expected: { error: 'Invalid index' } },
];

for (const { params, expected } of waitCases) {
  test(`parseWait(${JSON.stringify(params)})`, (t) => {
    t.deepEqual(run(() => parseWait(params)), expected);
  });
}

const basics = { headers: {}, defaultToken: '' };

const consistencyCases: { params: QueryParams; expected: { allowStale: boolean; requireConsistent: boolean; maxStaleMs: number } | { error: string } }[] = [
  { params: {}, expected: { allowStale: false, requireConsistent: false, maxStaleMs: 0 } },
  { params: { stale: '' }, expected: { allowStale: true, requireConsistent: false, maxStaleMs: 0 } },
  { params: { stale: 'false' }, expected: { allowStale: true, requireConsistent: false, maxStaleMs: 0 } }, // presence, not value
  { params: { consistent: '' }, expected: { allowStale: false, requireConsistent: true, maxStaleMs: 0 } },
  { params: { max_stale: '5s' }, expected: { allowStale: true, requireConsistent: false, maxStaleMs: 5000 } },
  { params: { max_stale: '0s' }, expected: { allowStale: false, requireConsistent: false, maxStaleMs: 0 } },
  { params: { stale: '', consistent: '' }, expected: { error: 'Cannot specify ?stale with ?consistent, conflicting semantics.' } },
  { params: { max_stale: '1s', consistent: '' }, expected: { error: 'Cannot specify ?stale with ?consistent, conflicting semantics.' } },
  { params: { cached: '', consistent: '' }, expected: { error: 'Cannot specify ?cached with ?consistent, conflicting semantics.' } },
  { params: { cached: '', stale: '' }, expected: { allowStale: true, requireConsistent: false, maxStaleMs: 0 } },
  { params: { max_stale: 'x' }, expected: { error: 'Invalid max_stale value "x"' } },
];

for (const { params, expected } of consistencyCases) {
  test(`parseQueryOptions consistency: ${JSON.stringify(params)}`, (t) => {
    const result = run(() => parseQueryOptions({ params, ...basics }));
    if ('error' in expected) t.deepEqual(result, expected);
    else t.like(result, expected);
  });
}

test('parseQueryOptions: every field, from one query string', (t) => {
  const options = parseQueryOptions({
    params: { dc: 'dc2', token: 't', filter: 'Service == web', stale: '', index: '5', wait: '2s' },
    headers: {},
    defaultToken: 'default',
  });
  t.deepEqual(options, {
    datacenter: 'dc2',
    token: 't',
    filter: 'Service == web',
    allowStale: true,
    requireConsistent: false,
    maxStaleMs: 0,
    minQueryIndex: 5,
    maxQueryTimeMs: 2000,
  });
});

test('parseQueryOptions: Enterprise parameters are refused before anything else is parsed', (t) => {
  t.deepEqual(
    run(() => parseQueryOptions({ params: { ns: 'x', wait: 'bad' }, ...basics })),
    { error: 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature' },
  );
});

test('parseWriteOptions: datacenter and token only', (t) => {
  t.deepEqual(parseWriteOptions({ params: { dc: 'dc1', wait: 'ignored' }, headers: { 'x-consul-token': 'h' }, defaultToken: 'd' }), { datacenter: 'dc1', token: 'h' });
});

const tokenCases: { name: string; params: QueryParams; headers: Headers; expected: string }[] = [
  { name: 'nothing → the default token', params: {}, headers: {}, expected: 'default' },
  { name: '?token= wins over everything', params: { token: 'q' }, headers: { 'x-consul-token': 'h', authorization: 'Bearer b' }, expected: 'q' },
  { name: 'empty ?token= falls through', params: { token: '' }, headers: { 'x-consul-token': 'h' }, expected: 'h' },
  { name: 'X-Consul-Token wins over Authorization', params: {}, headers: { 'x-consul-token': 'h', authorization: 'Bearer b' }, expected: 'h' },
  { name: 'Bearer', params: {}, headers: { authorization: 'Bearer b' }, expected: 'b' },
  { name: 'bearer scheme is case-insensitive', params: {}, headers: { authorization: 'bEaReR b' }, expected: 'b' },
  { name: 'only the first word after Bearer', params: {}, headers: { authorization: 'Bearer b extra' }, expected: 'b' },
  { name: 'Basic is not a token', params: {}, headers: { authorization: 'Basic dXNlcg==' }, expected: 'default' },
  { name: 'a scheme without a value', params: {}, headers: { authorization: 'Bearer' }, expected: 'default' },
  { name: 'repeated ?token= → the first', params: { token: ['a', 'b'] }, headers: {}, expected: 'a' },
];

for (const { name, params, headers, expected } of tokenCases) {
  test(`tokenOf: ${name}`, (t) => {
    t.is(tokenOf(params, headers, 'default'), expected);
  });
}

const enterpriseCases: { params: QueryParams; headers: Headers; expected: string }[] = [
  { params: {}, headers: {}, expected: 'ok' },
  { params: { ns: '' }, headers: { 'x-consul-namespace': '' }, expected: 'ok' },
  { params: { ns: 'default' }, headers: {}, expected: 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature' },
  { params: {}, headers: { 'x-consul-namespace': 'x' }, expected: 'Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature' },
  { params: { partition: 'p' }, headers: {}, expected: 'Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature' },
  { params: {}, headers: { 'x-consul-partition': 'p' }, expected: 'Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature' },
  { params: { partition: 'p' }, headers: { 'x-consul-namespace': 'x' }, expected: 'Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature' },
];

for (const { params, headers, expected } of enterpriseCases) {
  test(`rejectEnterpriseParams(${JSON.stringify(params)}, ${JSON.stringify(headers)})`, (t) => {
    const result = run(() => rejectEnterpriseParams(params, headers));
    t.deepEqual(result, expected === 'ok' ? undefined : { error: expected });
  });
}

const nodeMetaCases: { params: QueryParams; expected: Record<string, string> }[] = [
  { params: {}, expected: {} },
  { params: { 'node-meta': 'env:prod' }, expected: { env: 'prod' } },
  { params: { 'node-meta': ['env:prod', 'rack:r1'] }, expected: { env: 'prod', rack: 'r1' } },
  { params: { 'node-meta': 'url:http://x:80' }, expected: { url: 'http://x:80' } },
  { params: { 'node-meta': 'flag' }, expected: { flag: '' } },
  { params: { 'node-meta': 'empty:' }, expected: { empty: '' } },
  { params: { 'node-meta': ['env:a', 'env:b'] }, expected: { env: 'b' } },
];

for (const { params, expected } of nodeMetaCases) {
  test(`parseNodeMeta(${JSON.stringify(params)})`, (t) => {
    t.deepEqual({ ...parseNodeMeta(params) }, expected);
  });
}

test('parseNodeMeta keeps a __proto__ key as a key', (t) => {
  // A node meta key "__proto__" is valid (Consul's [a-zA-Z0-9_-]+); assigning it to a plain object
  // sets the prototype instead (a string value is silently dropped), so the filter loses the pair
  // and ?node-meta=__proto__:x matches every node.
  const filter = parseNodeMeta({ 'node-meta': '__proto__:x' });
  t.deepEqual(Object.keys(filter), ['__proto__']);
  t.is(Object.getOwnPropertyDescriptor(filter, '__proto__')?.value, 'x');
});

const boolCases: [string, boolean | undefined][] = [
  ['1', true],
  ['t', true],
  ['T', true],
  ['TRUE', true],
  ['true', true],
  ['True', true],
  ['0', false],
  ['f', false],
  ['F', false],
  ['FALSE', false],
  ['false', false],
  ['False', false],
  ['', undefined],
  ['yes', undefined],
  ['tRUE', undefined],
  [' true', undefined],
  ['2', undefined],
];

for (const [text, expected] of boolCases) {
  test(`parseGoBool(${JSON.stringify(text)}) → ${expected}`, (t) => {
    t.is(parseGoBool(text), expected);
  });
}
