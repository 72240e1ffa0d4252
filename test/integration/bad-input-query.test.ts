// Goal: bad query parameters (?wait without a unit, ?index that is not an unsigned integer,
// conflicting consistency modes, non-boolean flags, broken or unknown ?filter expressions, an
// unknown ?dc, Enterprise-only ?ns and ?partition) get Consul's status and one-line message, on
// reads and on writes, and a write carrying one does not happen.
// Method: a real dev agent per test, seeded with a known state; raw HTTP; after every request a
// liveness check and a comparison of the catalog and agent state with a snapshot.

import test from 'ava';
import { type Case, expectAllRejected, seeded, startSeededAgent } from './bad-input-helpers.js';

/** Reads that take the blocking parameters (parseWait in Consul). */
const blockingReads = ['/v1/catalog/services', '/v1/catalog/nodes', `/v1/catalog/service/${seeded.serviceName}`, `/v1/health/service/${seeded.serviceName}`, '/v1/health/state/any', `/v1/agent/service/${seeded.serviceId}`];
/** Reads that go through the full query parser (dc, filter, consistency, wait). */
const serverReads = blockingReads.filter((path) => !path.startsWith('/v1/agent/'));

const withQuery = (path: string, query: string): string => `${path}${path.includes('?') ? '&' : '?'}${query}`;

test('?wait needs a Go duration and ?index an unsigned integer', async (t) => {
  const fixture = await startSeededAgent(t);
  const cases: readonly [string, string][] = [
    ['wait=10', 'Invalid wait time'],
    ['wait=abc', 'Invalid wait time'],
    ['wait=10sec', 'Invalid wait time'],
    // (?wait=-1s is a valid Go duration: Consul, and taxiway, use the default wait for it.)
    ['wait=1', 'Invalid wait time'],
    ['index=-1', 'Invalid index'],
    ['index=abc', 'Invalid index'],
    ['index=1.5', 'Invalid index'],
    ['index=0x10', 'Invalid index'],
    // One past the largest uint64: Go's ParseUint fails with a range error.
    ['index=18446744073709551616', 'Invalid index'],
    ['index=1&wait=abc', 'Invalid wait time'],
  ];
  await expectAllRejected(
    t,
    fixture,
    blockingReads.flatMap((path) => cases.map(([query, message]): Case => ({ call: { method: 'GET', path: withQuery(path, query) }, status: 400, message }))),
  );
});

test('conflicting or malformed consistency parameters are 400', async (t) => {
  const fixture = await startSeededAgent(t);
  const cases: readonly [string, string][] = [
    ['stale&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['stale=true&consistent=true', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['max_stale=5s&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['cached&consistent', 'Cannot specify ?cached with ?consistent, conflicting semantics.'],
    ['max_stale=abc', 'Invalid max_stale value "abc"'],
  ];
  await expectAllRejected(t, fixture, [
    ...serverReads.flatMap((path) => cases.map(([query, message]): Case => ({ call: { method: 'GET', path: withQuery(path, query) }, status: 400, message }))),
    ...['maybe', 'yes', '2'].map((value): Case => ({ call: { method: 'GET', path: `/v1/health/service/${seeded.serviceName}?passing=${value}` }, status: 400, message: 'Invalid value for ?passing' })),
  ]);
});

test('a ?filter that does not parse, or names a field that does not exist, is a 400 that says so', async (t) => {
  const fixture = await startSeededAgent(t);
  // Consul answers 500 here (hashicorp/consul#7338); taxiway answers 400 (docs/errors.md) with
  // Consul's words "Failed to create boolean expression evaluator".
  const broken = ['Service ==', '(((', 'Port == ', '"unterminated', 'Service == web and', 'Service matches "["'];
  const filtered = ['/v1/agent/services', '/v1/agent/checks', '/v1/catalog/nodes', `/v1/catalog/service/${seeded.serviceName}`, `/v1/health/service/${seeded.serviceName}`, '/v1/health/state/any'];
  await expectAllRejected(
    t,
    fixture,
    filtered.flatMap((path): Case[] => [
      ...broken.map((expression): Case => ({ call: { method: 'GET', path: withQuery(path, `filter=${encodeURIComponent(expression)}`) }, status: 400, message: /^Failed to create boolean expression evaluator: .+/ })),
      { call: { method: 'GET', path: withQuery(path, `filter=${encodeURIComponent('Bogus == "x"')}`) }, status: 400, message: /^Failed to create boolean expression evaluator: .*"Bogus"/ },
    ]),
  );
});

test('an unknown ?dc is Consul\'s 500 "No path to datacenter", and a write aimed there does not happen', async (t) => {
  const fixture = await startSeededAgent(t);
  const expected = { status: 500, message: 'No path to datacenter' };
  await expectAllRejected(t, fixture, [
    ...[...serverReads, '/v1/status/leader', '/v1/status/peers'].map((path): Case => ({ call: { method: 'GET', path: withQuery(path, 'dc=other') }, ...expected })),
    { call: { method: 'PUT', path: '/v1/catalog/register?dc=other', body: JSON.stringify({ Node: 'far', Address: '10.9.9.9' }) }, ...expected },
    { call: { method: 'PUT', path: '/v1/catalog/register', body: JSON.stringify({ Datacenter: 'other', Node: 'far', Address: '10.9.9.9' }) }, ...expected },
    { call: { method: 'PUT', path: '/v1/catalog/deregister?dc=other', body: JSON.stringify({ Node: seeded.externalNode }) }, ...expected },
  ]);
});

test('?ns, ?partition and their headers are refused with Consul CE\'s Enterprise texts, on reads and writes', async (t) => {
  const fixture = await startSeededAgent(t);
  const ns = 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature';
  const partition = 'Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature';
  const nsHeader = 'Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature';
  const partitionHeader = 'Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature';
  const reads = [...serverReads, '/v1/agent/services', '/v1/agent/checks'];
  const cases = reads.flatMap((path): Case[] => [
    { call: { method: 'GET', path: withQuery(path, 'ns=x') }, status: 400, message: ns },
    { call: { method: 'GET', path: withQuery(path, 'partition=x') }, status: 400, message: partition },
    { call: { method: 'GET', path, headers: { 'X-Consul-Namespace': 'x' } }, status: 400, message: nsHeader },
    { call: { method: 'GET', path, headers: { 'X-Consul-Partition': 'x' } }, status: 400, message: partitionHeader },
  ]);
  // Valid writes that must not happen because of the parameter.
  const writes: readonly { path: string; body?: unknown }[] = [
    { path: '/v1/agent/service/register', body: { Name: 'new-service', Port: 1 } },
    { path: '/v1/agent/check/register', body: { Name: 'new-check', TTL: '1m' } },
    { path: '/v1/catalog/register', body: { Node: 'new-node', Address: '10.0.0.2' } },
    { path: '/v1/catalog/deregister', body: { Node: seeded.externalNode } },
    { path: `/v1/agent/service/deregister/${seeded.serviceId}` },
    { path: `/v1/agent/check/deregister/${seeded.ttlCheckId}` },
    { path: `/v1/agent/check/fail/${seeded.ttlCheckId}` },
    { path: '/v1/agent/maintenance?enable=true' },
  ];
  for (const { path, body } of writes) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    cases.push({ call: { method: 'PUT', path: withQuery(path, 'ns=x'), body: payload }, status: 400, message: ns });
    cases.push({ call: { method: 'PUT', path: withQuery(path, 'partition=x'), body: payload }, status: 400, message: partition });
  }
  await expectAllRejected(t, fixture, cases);
});

test('maintenance needs ?enable, and it must be a Go boolean', async (t) => {
  const fixture = await startSeededAgent(t);
  const cases = ['/v1/agent/maintenance', `/v1/agent/service/maintenance/${seeded.serviceId}`].flatMap((base): Case[] => [
    { call: { method: 'PUT', path: base }, status: 400, message: 'Missing value for enable' },
    { call: { method: 'PUT', path: `${base}?reason=because` }, status: 400, message: 'Missing value for enable' },
    ...['maybe', 'yes', 'on', '2', ''].map((value): Case => ({ call: { method: 'PUT', path: `${base}?enable=${value}&reason=x` }, status: 400, message: `Invalid value for enable: ${JSON.stringify(value)}` })),
  ]);
  await expectAllRejected(t, fixture, cases);
});

test('/v1/health/state/<unknown> is a 400 naming the valid states (taxiway; Consul answers [])', async (t) => {
  const fixture = await startSeededAgent(t);
  // Deliberate difference from Consul (docs/errors.md): an empty list would hide the typo.
  await expectAllRejected(
    t,
    fixture,
    ['bogus', 'Passing', 'PASSING', 'maintenance'].map((state) => ({ call: { method: 'GET', path: `/v1/health/state/${state}` }, status: 400, message: /^Bad check state: .*any, passing, warning, critical/ })),
  );
});
