// Goal: request bodies that are not what an endpoint takes (malformed or truncated JSON, the wrong
// top-level type, an empty body, fields of the wrong type, required fields missing) are refused
// with Consul's status and a one-line plain-text message naming the problem, and leave the agent
// running and its state (catalog, agent services and checks, X-Consul-Index) exactly as it was.
// Method: a real dev agent per test, seeded with a known state; each bad body is sent with raw
// HTTP, then the agent is asked /v1/agent/self and the state is compared with a snapshot.

import test from 'ava';
import { type Call, type Case, expectAllRejected, seeded, startSeededAgent } from './bad-input-helpers.js';

/** The JSON write endpoints; check/update aims at an existing TTL check so only the body is wrong. */
const jsonEndpoints = ['/v1/agent/service/register', '/v1/agent/check/register', '/v1/catalog/register', '/v1/catalog/deregister', `/v1/agent/check/update/${seeded.ttlCheckId}`];

const put = (path: string, body: unknown): Call => ({ method: 'PUT', path, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('malformed JSON on every JSON endpoint: 400 "Request decode failed: ..." naming the fault', async (t) => {
  const fixture = await startSeededAgent(t);
  const bodies: readonly { body: string; message: RegExp }[] = [
    // Consul: "Request decode failed: unexpected EOF".
    { body: '{"Name": "web", "Port": ', message: /^Request decode failed: .*(end|EOF)/i },
    { body: '{"Name"', message: /^Request decode failed: \S/ },
    // Consul: "Request decode failed: invalid character 'o' in literal null (expecting 'u')".
    { body: 'not json', message: /^Request decode failed: \S/ },
    { body: '{Name: web}', message: /^Request decode failed: \S/ },
    { body: '{"Name":"web"}}', message: /^Request decode failed: \S/ },
    // Consul: "Request decode failed: json: cannot unmarshal array into Go value of type ...".
    { body: '[{"Name":"web"}]', message: /^Request decode failed: .*\barray\b/ },
    { body: '[]', message: /^Request decode failed: .*\barray\b/ },
    { body: '"web"', message: /^Request decode failed: .*\bstring\b/ },
    { body: '42', message: /^Request decode failed: .*\bnumber\b/ },
    { body: 'true', message: /^Request decode failed: .*\bbool/ },
  ];
  await expectAllRejected(
    t,
    fixture,
    jsonEndpoints.flatMap((path) => bodies.map(({ body, message }): Case => ({ call: put(path, body), status: 400, message }))),
  );
});

test('an empty body is "Request decode failed: EOF" on every JSON endpoint', async (t) => {
  const fixture = await startSeededAgent(t);
  await expectAllRejected(
    t,
    fixture,
    jsonEndpoints.flatMap((path): Case[] => [
      { call: { method: 'PUT', path }, status: 400, message: 'Request decode failed: EOF' },
      { call: { method: 'PUT', path, body: '' }, status: 400, message: 'Request decode failed: EOF' },
    ]),
  );
});

test('wrong types in a service registration are refused and name the field', async (t) => {
  const fixture = await startSeededAgent(t);
  const path = '/v1/agent/service/register';
  // Each body would otherwise overwrite the seeded web-1, so "state unchanged" is a real check.
  const base = { Name: seeded.serviceName, ID: seeded.serviceId };
  const cases: readonly [unknown, string | RegExp][] = [
    [{ ...base, Port: '8080' }, /^Request decode failed: .*\bPort\b/],
    [{ ...base, Port: 1.5 }, /^Request decode failed: .*\bPort\b/],
    [{ ...base, Tags: 'v2' }, /^Request decode failed: .*\bTags\b/],
    [{ ...base, Tags: [1, 2] }, /^Request decode failed: .*\bTags\b/],
    [{ ...base, Meta: { version: 2 } }, /^Request decode failed: .*\bMeta\b/],
    [{ ...base, Meta: ['version'] }, /^Request decode failed: .*\bMeta\b/],
    [{ ...base, Name: 7 }, /^Request decode failed: .*\bName\b/],
    // Consul: "Request decode failed: time: invalid duration \"abc\"".
    [{ ...base, Check: { TTL: 'abc' } }, /^Request decode failed: .*\bTTL\b.*abc/],
    [{ ...base, Check: { TTL: '10' } }, /^Request decode failed: .*\bTTL\b/],
    [{ ...base, Checks: { TTL: '10s' } }, /^Request decode failed: .*\bChecks\b/],
    [{ ...base, Weights: { Passing: 0, Warning: 1 } }, 'Invalid Weights: Passing must be greater than 0'],
    [{ ...base, Weights: { Passing: 1, Warning: -1 } }, /^(Invalid Weights: Warning must be greater or equal than 0|Request decode failed: .*\bWarning\b)$/],
    [{ ...base, Check: { TTL: '10s', Status: 'bogus' } }, "Status for checks must 'passing', 'warning', 'critical'"],
    [{ ...base, Checks: [{ TTL: '10s', Status: 'Passing' }] }, "Status for checks must 'passing', 'warning', 'critical'"],
    [{ ...base, Address: '0.0.0.0' }, 'Invalid service address'],
    [{ ...base, Meta: { 'bad key!': 'x' } }, /^Invalid Service Meta: .*Key contains invalid characters/],
    [{ ...base, Meta: { 'consul-x': 'x' } }, /^Invalid Service Meta: .*reserved/],
  ];
  await expectAllRejected(
    t,
    fixture,
    cases.map(([body, message]) => ({ call: put(path, body), status: 400, message })),
  );
});

test('wrong types in check registrations and updates are refused and name the field', async (t) => {
  const fixture = await startSeededAgent(t);
  const register = '/v1/agent/check/register';
  const update = `/v1/agent/check/update/${seeded.ttlCheckId}`;
  // Re-registering "disk" would reset it to critical, so an accepted body would show in the state.
  const cases: readonly [string, unknown, string | RegExp][] = [
    [register, { Name: seeded.ttlCheckId, TTL: 'abc' }, /^Request decode failed: .*\bTTL\b.*abc/],
    [register, { Name: seeded.ttlCheckId, TTL: true }, /^Request decode failed: .*\bTTL\b/],
    [register, { Name: seeded.ttlCheckId, HTTP: 'http://x/', Interval: 'often' }, /^Request decode failed: .*\bInterval\b/],
    [register, { Name: seeded.ttlCheckId, TTL: '10s', Status: 'bogus' }, 'Bad check status'],
    [register, { Name: seeded.ttlCheckId, TTL: '10s', Header: { A: 'b' } }, /^Request decode failed: .*\bHeader\b/],
    [register, { Name: seeded.ttlCheckId, TTL: '10s', Interval: '10s' }, 'Invalid check: Interval and TTL cannot both be specified'],
    [register, { Name: seeded.ttlCheckId, TTL: '10s', FailuresBeforeWarning: 3, FailuresBeforeCritical: 1 }, "Invalid check: FailuresBeforeWarning can't be higher than FailuresBeforeCritical"],
    [update, { Status: 'bogus' }, "Invalid check status: 'bogus'"],
    [update, { Status: 'PASSING' }, "Invalid check status: 'PASSING'"],
    [update, { Status: 1 }, /^Request decode failed: .*\bStatus\b/],
    [update, { Status: 'passing', Output: ['x'] }, /^Request decode failed: .*\bOutput\b/],
  ];
  await expectAllRejected(
    t,
    fixture,
    cases.map(([path, body, message]) => ({ call: put(path, body), status: 400, message })),
  );
});

test('wrong types in catalog register and deregister are refused and name the field', async (t) => {
  const fixture = await startSeededAgent(t);
  const node = { Node: seeded.externalNode, Address: '10.0.0.1' };
  const cases: readonly [string, unknown, RegExp][] = [
    ['/v1/catalog/register', { ...node, Address: 10 }, /^Request decode failed: .*\bAddress\b/],
    ['/v1/catalog/register', { ...node, NodeMeta: { rack: 1 } }, /^Request decode failed: .*\bNodeMeta\b/],
    ['/v1/catalog/register', { ...node, Service: { Service: 'db', ID: seeded.externalServiceId, Port: '5432' } }, /^Request decode failed: .*\bPort\b/],
    ['/v1/catalog/register', { ...node, Service: { Service: 'db', ID: seeded.externalServiceId, Tags: 'x' } }, /^Request decode failed: .*\bTags\b/],
    ['/v1/catalog/register', { ...node, Service: 'db' }, /^Request decode failed: .*\bService\b/],
    ['/v1/catalog/register', { ...node, Checks: { CheckID: 'x' } }, /^Request decode failed: .*\bChecks\b/],
    ['/v1/catalog/register', { ...node, ID: 'not-a-uuid' }, /^Bad node ID: /],
    ['/v1/catalog/deregister', { Node: 5 }, /^Request decode failed: .*\bNode\b/],
    ['/v1/catalog/deregister', { Node: seeded.externalNode, ServiceID: ['db-1'] }, /^Request decode failed: .*\bServiceID\b/],
  ];
  // taxiway answers 400 where Consul's server-side validation answers 500 (docs/errors.md), so
  // that Consul's own client does not retry a client mistake for ever; decode errors are 400 in both.
  await expectAllRejected(
    t,
    fixture,
    cases.map(([path, body, message]) => ({ call: put(path, body), status: 400, message })),
  );
});

test('missing required fields are refused with Consul\'s words', async (t) => {
  const fixture = await startSeededAgent(t);
  const cases: readonly [string, unknown, string][] = [
    ['/v1/agent/service/register', { ID: seeded.serviceId, Port: 9 }, 'Missing service name'],
    ['/v1/agent/service/register', { Name: '', Port: 9 }, 'Missing service name'],
    ['/v1/agent/service/register', {}, 'Missing service name'],
    ['/v1/agent/check/register', { TTL: '10s' }, 'Missing check name'],
    ['/v1/agent/check/register', { CheckID: seeded.ttlCheckId, TTL: '10s' }, 'Missing check name'],
    // A check with neither a TTL nor something to run at an interval.
    ['/v1/agent/check/register', { Name: seeded.ttlCheckId }, 'Invalid check: TTL must be > 0 for TTL checks'],
    ['/v1/agent/check/register', { Name: seeded.ttlCheckId, HTTP: 'http://127.0.0.1:1/' }, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
    ['/v1/agent/check/register', { Name: seeded.ttlCheckId, TCP: '127.0.0.1:1' }, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
    ['/v1/agent/service/register', { Name: seeded.serviceName, ID: seeded.serviceId, Check: { Notes: 'no ttl' } }, 'Invalid check: TTL must be > 0 for TTL checks'],
    ['/v1/agent/service/register', { Name: seeded.serviceName, ID: seeded.serviceId, Checks: [{ HTTP: 'http://127.0.0.1:1/' }] }, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
    // Catalog: Consul answers these with 500; taxiway with 400 (docs/errors.md), same text.
    ['/v1/catalog/register', { Address: '10.0.0.9' }, 'Must provide node'],
    ['/v1/catalog/register', { Node: 'new-node' }, 'Must provide address if SkipNodeUpdate is not set'],
    ['/v1/catalog/register', { Node: seeded.externalNode, Address: '' }, 'Must provide address if SkipNodeUpdate is not set'],
    ['/v1/catalog/register', { Node: seeded.externalNode, Address: '10.0.0.1', Service: { ID: 'db-2', Port: 1 } }, 'Must provide service name (Service.Service) when service ID is provided'],
    ['/v1/catalog/register', { Node: seeded.externalNode, Address: '10.0.0.1', Check: { CheckID: 'orphan', Name: 'orphan', ServiceID: 'nope' } }, "Unknown service ID 'nope' for check ID 'orphan'"],
    ['/v1/catalog/deregister', {}, 'Must provide node'],
    ['/v1/catalog/deregister', { ServiceID: seeded.externalServiceId }, 'Must provide node'],
  ];
  await expectAllRejected(
    t,
    fixture,
    cases.map(([path, body, message]) => ({ call: put(path, body), status: 400, message })),
  );
});
