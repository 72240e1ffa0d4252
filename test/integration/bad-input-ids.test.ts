// Goal: requests naming a service or check the agent does not have get Consul's 404 and its exact
// words (which also remind the caller to pass an ID, not a name), a TTL update aimed at a check
// that has no TTL gets Consul's 500, and none of them changes anything or stops the agent.
// Method: a real dev agent per test, seeded with service web-1 and checks disk (TTL) and http-probe
// (HTTP); every request goes over raw HTTP and is followed by a liveness and state comparison.

import test from 'ava';
import { assertAlive, type Case, expectAllRejected, seeded, snapshot, startSeededAgent } from './bad-input-helpers.js';

const unknownService = (id: string): string => `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`;
const unknownCheck = (id: string): string => `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`;

test('unknown service IDs: deregister, maintenance, single-service read', async (t) => {
  const fixture = await startSeededAgent(t);
  // "web" is the service's name, not its ID (web-1): Consul refuses it rather than guessing.
  const cases = ['nope', seeded.serviceName, 'WEB-1', 'web-1 '].flatMap((id): Case[] => {
    const encoded = encodeURIComponent(id);
    return [
      { call: { method: 'PUT', path: `/v1/agent/service/deregister/${encoded}` }, status: 404, message: unknownService(id) },
      { call: { method: 'PUT', path: `/v1/agent/service/maintenance/${encoded}?enable=true&reason=x` }, status: 404, message: unknownService(id) },
      { call: { method: 'PUT', path: `/v1/agent/service/maintenance/${encoded}?enable=false` }, status: 404, message: unknownService(id) },
      { call: { method: 'GET', path: `/v1/agent/service/${encoded}` }, status: 404, message: `unknown service ID: ${id}` },
    ];
  });
  // Deregistering a catalog-only service through the agent API: the agent does not own it.
  cases.push({ call: { method: 'PUT', path: `/v1/agent/service/deregister/${seeded.externalServiceId}` }, status: 404, message: unknownService(seeded.externalServiceId) });
  await expectAllRejected(t, fixture, cases);
});

test('unknown check IDs: deregister, pass, warn, fail, update', async (t) => {
  const fixture = await startSeededAgent(t);
  // serfHealth is the leader's check in the catalog, not one this agent registered.
  const cases = ['nope', 'Disk', 'serfHealth', 'db-alive', `service:${seeded.serviceName}`].flatMap((id): Case[] => {
    const encoded = encodeURIComponent(id);
    const expected = { status: 404, message: unknownCheck(id) };
    return [
      { call: { method: 'PUT', path: `/v1/agent/check/deregister/${encoded}` }, ...expected },
      ...['pass', 'warn', 'fail'].map((verb): Case => ({ call: { method: 'PUT', path: `/v1/agent/check/${verb}/${encoded}?note=x` }, ...expected })),
      { call: { method: 'PUT', path: `/v1/agent/check/update/${encoded}`, body: JSON.stringify({ Status: 'passing', Output: 'x' }) }, ...expected },
    ];
  });
  await expectAllRejected(t, fixture, cases);
});

test('a TTL update on a check without a TTL is Consul\'s 500 "does not have associated TTL"', async (t) => {
  const fixture = await startSeededAgent(t);
  const expected = { status: 500, message: `CheckID "${seeded.httpCheckId}" does not have associated TTL` };
  await expectAllRejected(t, fixture, [
    ...['pass', 'warn', 'fail'].map((verb): Case => ({ call: { method: 'PUT', path: `/v1/agent/check/${verb}/${seeded.httpCheckId}?note=x` }, ...expected })),
    { call: { method: 'PUT', path: `/v1/agent/check/update/${seeded.httpCheckId}`, body: JSON.stringify({ Status: 'passing' }) }, ...expected },
  ]);
});

test('the load-balancer health endpoints answer 404 for an unknown service, as Consul does', async (t) => {
  const fixture = await startSeededAgent(t);
  const before = await snapshot(fixture);
  // Consul answers these in JSON unless text is asked for (?format=text or Accept: text/plain);
  // the reason is in X-Consul-Reason either way.
  const byId = await fixture.send({ method: 'GET', path: '/v1/agent/health/service/id/nope' });
  t.is(byId.status, 404);
  t.is(byId.headers['x-consul-reason'], 'ServiceId nope not found');
  t.regex(String(byId.headers['content-type']), /^application\/json\b/);
  t.deepEqual(JSON.parse(byId.text), { AggregatedStatus: 'critical', Service: null, Checks: null });

  await expectAllRejected(t, fixture, [
    { call: { method: 'GET', path: '/v1/agent/health/service/id/nope?format=text' }, status: 404, message: 'ServiceId nope not found', headers: { 'x-consul-reason': 'ServiceId nope not found' } },
    // "web" is the name; the ID is web-1.
    { call: { method: 'GET', path: `/v1/agent/health/service/id/${seeded.serviceName}?format=text` }, status: 404, message: `ServiceId ${seeded.serviceName} not found` },
    { call: { method: 'GET', path: '/v1/agent/health/service/id/nope', headers: { accept: 'text/plain' } }, status: 404, message: 'ServiceId nope not found' },
    { call: { method: 'GET', path: '/v1/agent/health/service/name/nope?format=text' }, status: 404, message: 'ServiceName nope Not Found' },
  ]);
  await assertAlive(t, fixture, 'health endpoint lookups');
  t.deepEqual(await snapshot(fixture), before);
});

test('an empty ID in the path is a 400 naming what is missing', async (t) => {
  const fixture = await startSeededAgent(t);
  const cases: readonly [string, string, string][] = [
    ['PUT', '/v1/agent/service/deregister/', 'Missing service ID'],
    ['PUT', '/v1/agent/service/maintenance/?enable=true', 'Missing service ID'],
    ['PUT', '/v1/agent/check/deregister/', 'Missing check ID'],
    ['PUT', '/v1/agent/check/pass/', 'Missing check ID'],
    ['GET', '/v1/agent/health/service/id/', 'Missing serviceID'],
    ['GET', '/v1/agent/health/service/name/', 'Missing service Name'],
    ['GET', '/v1/catalog/service/', 'Missing service name'],
    ['GET', '/v1/catalog/node/', 'Missing node name'],
    ['GET', '/v1/health/service/', 'Missing service name'],
    ['GET', '/v1/health/checks/', 'Missing service name'],
    ['GET', '/v1/health/node/', 'Missing node name'],
    ['GET', '/v1/health/state/', 'Missing check state'],
  ];
  await expectAllRejected(
    t,
    fixture,
    cases.map(([method, path, message]) => ({ call: { method, path }, status: 400, message })),
  );
});
