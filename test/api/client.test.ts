// Goal: the pure parts of the API client and the CLI's table layouts follow Consul's rules
// exactly: address forms, flag/environment precedence, query encoding, error wording, columns.
// Method: table tests, no processes. (They test src/api; the lead may move them to test/api/.)

import test from 'ava';
import { parseAgentAddress } from '../../src/api/address.js';
import { ApiError, ClientConfigError, TransportError } from '../../src/api/api-error.js';
import { resolveClientConfig } from '../../src/api/client-config.js';
import { encodeQuery, parseQueryMeta } from '../../src/api/query.js';
import { columnize, keyValueList, twoColumnsPadded } from '../../cmd/commands/columns.js';
import { toRegistration } from '../../cmd/commands/services-file.js';
import { decode } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';

test('agent addresses: host:port, http(s) with prefix, unix, unknown scheme', (t) => {
  t.deepEqual(parseAgentAddress('10.0.0.1:8500', 'http'), { kind: 'tcp', scheme: 'http', host: '10.0.0.1:8500', pathPrefix: '' });
  t.deepEqual(parseAgentAddress('10.0.0.1:8500', 'https'), { kind: 'tcp', scheme: 'https', host: '10.0.0.1:8500', pathPrefix: '' });
  t.deepEqual(parseAgentAddress('http://h:1/consul/', 'http'), { kind: 'tcp', scheme: 'http', host: 'h:1', pathPrefix: '/consul' });
  // http:// never turns off TLS that the environment asked for.
  t.deepEqual(parseAgentAddress('http://h:1', 'https'), { kind: 'tcp', scheme: 'https', host: 'h:1', pathPrefix: '' });
  t.deepEqual(parseAgentAddress('https://[::1]:8501', 'http'), { kind: 'tcp', scheme: 'https', host: '[::1]:8501', pathPrefix: '' });
  t.deepEqual(parseAgentAddress('unix:///run/agent.sock', 'http'), { kind: 'unix', socketPath: '/run/agent.sock' });
  t.throws(() => parseAgentAddress('tcp://h:1', 'http'), { instanceOf: ClientConfigError, message: 'Unknown protocol scheme: tcp' });
});

test('client config: flag > TAXIWAY_* > CONSUL_* > default, for address and token', (t) => {
  const noFiles = (path: string): string => {
    if (path === 'tok') return ' from-file \n';
    throw new Error(`ENOENT: ${path}`);
  };
  const defaults = resolveClientConfig({}, {}, noFiles);
  t.deepEqual(defaults.address, { kind: 'tcp', scheme: 'http', host: '127.0.0.1:8500', pathPrefix: '' });
  t.is(defaults.token, '');
  const env = { TAXIWAY_HTTP_ADDR: 'taxiway:1', CONSUL_HTTP_ADDR: 'consul:1', TAXIWAY_HTTP_TOKEN: 'tt', CONSUL_HTTP_TOKEN: 'ct' };
  t.like(resolveClientConfig({}, env, noFiles), { address: { host: 'taxiway:1' }, token: 'tt' });
  t.like(resolveClientConfig({}, { CONSUL_HTTP_ADDR: 'consul:1', CONSUL_HTTP_TOKEN: 'ct' }, noFiles), { address: { host: 'consul:1' }, token: 'ct' });
  t.like(resolveClientConfig({ httpAddr: 'flag:1', token: 'ft' }, env, noFiles), { address: { host: 'flag:1' }, token: 'ft' });
  t.like(resolveClientConfig({ token: 'ft', tokenFile: 'tok' }, env, noFiles), { token: 'from-file' });
  t.like(resolveClientConfig({}, { CONSUL_HTTP_TOKEN_FILE: 'tok', CONSUL_HTTP_TOKEN: 'ct' }, noFiles), { token: 'from-file' });
  t.like(resolveClientConfig({}, { CONSUL_HTTP_SSL: 'true', CONSUL_HTTP_ADDR: 'h:8501' }, noFiles), { address: { scheme: 'https' } });
  t.is(resolveClientConfig({}, { CONSUL_HTTP_AUTH: 'user:pw' }, noFiles).authorization, `Basic ${Buffer.from('user:pw').toString('base64')}`);
  t.is(resolveClientConfig({}, { TAXIWAY_HTTP_TIMEOUT: '1m30s' }, noFiles).requestTimeoutMs, 90_000);
  t.throws(() => resolveClientConfig({ tokenFile: 'missing' }, {}, noFiles), { message: 'Error loading token file missing : ENOENT: missing' });
  t.throws(() => resolveClientConfig({}, { TAXIWAY_HTTP_TIMEOUT: 'soon' }, noFiles), { instanceOf: ClientConfigError });
});

test('query encoding: Consul parameter names, sorted keys, repeated node-meta in order', (t) => {
  const defaults = { datacenter: '', stale: false };
  t.is(encodeQuery({}, defaults), '');
  t.is(encodeQuery({}, { datacenter: 'east', stale: true }), 'dc=east&stale=');
  t.is(
    encodeQuery({ index: 7, waitMs: 5000, near: '_agent', filter: 'Node == "a b"', nodeMeta: { rack: 'r1', az: 'z' }, params: { tag: ['x', 'y'] } }, defaults),
    'filter=Node%20%3D%3D%20%22a%20b%22&index=7&near=_agent&node-meta=rack%3Ar1&node-meta=az%3Az&tag=x&tag=y&wait=5000ms',
  );
  t.is(encodeQuery({ datacenter: 'west', stale: false }, { datacenter: 'east', stale: true }), 'dc=west');
});

test('query meta from headers; malformed numbers read as 0', (t) => {
  const meta = parseQueryMeta({ 'x-consul-index': '42', 'x-consul-knownleader': 'true', 'x-consul-lastcontact': 'x', 'x-cache': 'HIT', age: '3', 'x-consul-default-acl-policy': 'allow' });
  t.like(meta, { lastIndex: 42, knownLeader: true, lastContactMs: 0, cacheHit: true, cacheAgeSeconds: 3, defaultAclPolicy: 'allow', contentHash: '' });
});

test('error messages are Consul\'s, on one line', (t) => {
  t.is(new ApiError(400, 'Invalid check: TTL must be > 0 for TTL checks\n').message, 'Unexpected response code: 400 (Invalid check: TTL must be > 0 for TTL checks)');
  t.is(new ApiError(500, '').message, 'Unexpected response code: 500 ()');
  t.is(new ApiError(502, '<html>\n  <body>bad gateway</body>\n</html>').message, 'Unexpected response code: 502 (<html> <body>bad gateway</body> </html>)');
  t.is(new TransportError('GET', 'http://h:1/v1/x', 'connect ECONNREFUSED h:1').message, 'Get "http://h:1/v1/x": connect ECONNREFUSED h:1');
});

test('columnize: two-space glue, last column unpadded, cells trimmed', (t) => {
  t.is(columnize([['Node', 'ID', 'Address', 'DC'], ['node-long-name', 'abc', ' 10.0.0.1 ', 'dc1']]), 'Node            ID   Address   DC\nnode-long-name  abc  10.0.0.1  dc1');
  t.is(columnize([['a', ''], ['bb', 'x']]), 'a   \nbb  x');
  t.is(twoColumnsPadded([['consul', ''], ['web', 'a,b']]), 'consul      \nweb         a,b');
  t.is(twoColumnsPadded([['web', '']]), 'web');
  t.is(keyValueList({ wan: '1', lan: '2' }), 'lan=2, wan=1');
  t.is(keyValueList(null), '');
});

test('file services become API JSON: zero fields dropped, map values kept, durations as Go text', (t) => {
  const definition = decode(serviceDefinitionSchema, { name: 'web', meta: { blank: '' }, checks: [{ http: 'http://x', interval: '1m30s', timeout: '500ms' }], check: {} }, { weak: true });
  t.deepEqual(toRegistration(definition), { Name: 'web', Meta: { blank: '' }, Checks: [{ HTTP: 'http://x', Interval: '1m30s', Timeout: '500ms' }] });
});
