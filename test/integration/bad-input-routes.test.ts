// Goal: unknown routes are Consul's 404, a known route with another method is 405 with an Allow
// header and "method X not allowed", OPTIONS answers 200 with Allow, and odd paths (encoded
// slashes and dot segments, control characters, broken percent-encoding, very long and non-ASCII
// names) are answered cleanly without touching the state.
// Method: a real dev agent per test, seeded with a known state; raw HTTP with paths sent exactly
// as written; after every request a liveness check and a comparison with a state snapshot.

import test from 'ava';
import { assertAlive, type Case, expectAllRejected, seeded, snapshot, startSeededAgent } from './bad-input-helpers.js';

const notAnEndpoint = 'Invalid URL path: not a recognized HTTP API endpoint';

test('unknown routes are 404 with Consul\'s text, whatever the method', async (t) => {
  const fixture = await startSeededAgent(t);
  const paths = ['/v1/nope', '/v1/agent/nope', '/v1/catalog/servicez', '/v1/agent/services/extra', '/v1/agent/self/x', '/v1/health/', '/v2/catalog/services/v1/'];
  await expectAllRejected(t, fixture, [
    ...paths.flatMap((path) =>
      ['GET', 'PUT', 'DELETE', 'POST'].map((method): Case => ({ call: { method, path, body: method === 'PUT' || method === 'POST' ? '{}' : undefined }, status: 404, message: notAnEndpoint })),
    ),
    ...['/nope', '/api/catalog/services', '/V1/agent/self'].map(
      (path): Case => ({ call: { method: 'GET', path }, status: 404, message: "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'" }),
    ),
  ]);
});

test('a known route with the wrong method is 405 with Allow and "method X not allowed"', async (t) => {
  const fixture = await startSeededAgent(t);
  const cases: readonly [method: string, path: string, allow: string, body?: string][] = [
    ['GET', '/v1/agent/service/register', 'OPTIONS,PUT'],
    ['GET', '/v1/agent/check/register', 'OPTIONS,PUT'],
    ['GET', '/v1/catalog/register', 'OPTIONS,PUT'],
    ['GET', `/v1/agent/service/deregister/${seeded.serviceId}`, 'OPTIONS,PUT'],
    ['GET', `/v1/agent/check/pass/${seeded.ttlCheckId}`, 'OPTIONS,PUT'],
    ['GET', '/v1/agent/maintenance?enable=true', 'OPTIONS,PUT'],
    ['PUT', '/v1/agent/self', 'OPTIONS,GET'],
    ['PUT', '/v1/catalog/services', 'OPTIONS,GET'],
    ['PUT', `/v1/health/service/${seeded.serviceName}`, 'OPTIONS,GET'],
    ['PUT', `/v1/agent/service/${seeded.serviceId}`, 'OPTIONS,GET', JSON.stringify({ Name: 'web', ID: 'web-1', Port: 1 })],
    ['DELETE', '/v1/agent/self', 'OPTIONS,GET'],
    ['DELETE', '/v1/catalog/services', 'OPTIONS,GET'],
    ['DELETE', `/v1/agent/service/deregister/${seeded.serviceId}`, 'OPTIONS,PUT'],
    ['DELETE', `/v1/agent/check/deregister/${seeded.ttlCheckId}`, 'OPTIONS,PUT'],
    ['DELETE', '/v1/catalog/deregister', 'OPTIONS,PUT', JSON.stringify({ Node: seeded.externalNode })],
    ['DELETE', `/v1/agent/service/${seeded.serviceId}`, 'OPTIONS,GET'],
    // Consul registers no POST on these; a valid body sent with POST must not register anything.
    ['POST', '/v1/agent/service/register', 'OPTIONS,PUT', JSON.stringify({ Name: 'posted', Port: 1 })],
    ['POST', '/v1/catalog/register', 'OPTIONS,PUT', JSON.stringify({ Node: 'posted', Address: '10.0.0.3' })],
    ['POST', '/v1/catalog/deregister', 'OPTIONS,PUT', JSON.stringify({ Node: seeded.externalNode })],
    ['PATCH', '/v1/agent/service/register', 'OPTIONS,PUT', JSON.stringify({ Name: 'patched', Port: 1 })],
  ];
  await expectAllRejected(
    t,
    fixture,
    cases.map(([method, path, allow, body]) => ({ call: { method, path, body }, status: 405, message: `method ${method} not allowed`, headers: { allow } })),
  );
});

test('OPTIONS answers 200 with the Allow header and changes nothing', async (t) => {
  const fixture = await startSeededAgent(t);
  const before = await snapshot(fixture);
  const cases: readonly [string, string][] = [
    ['/v1/agent/self', 'OPTIONS,GET'],
    ['/v1/catalog/services', 'OPTIONS,GET'],
    ['/v1/agent/service/register', 'OPTIONS,PUT'],
    [`/v1/agent/service/deregister/${seeded.serviceId}`, 'OPTIONS,PUT'],
    ['/v1/catalog/deregister', 'OPTIONS,PUT'],
  ];
  for (const [path, allow] of cases) {
    const reply = await fixture.send({ method: 'OPTIONS', path });
    t.is(reply.status, 200, `OPTIONS ${path}`);
    t.is(reply.headers.allow, allow, `OPTIONS ${path}: Allow`);
    t.is(reply.text, '', `OPTIONS ${path}: body`);
  }
  await assertAlive(t, fixture, 'OPTIONS requests');
  t.deepEqual(await snapshot(fixture), before);
});

test('encoded slashes and dot segments stay inside the name and cannot reach another service', async (t) => {
  const fixture = await startSeededAgent(t);
  // The name after the prefix is taken whole, as Consul's prefix routes do: "a/b" is one name.
  const deregistrations = [`..%2F${seeded.serviceId}`, `x%2F..%2F${seeded.serviceId}`, `%2E%2E%2F${seeded.serviceId}`, `x%2F%2E%2E%2F${seeded.serviceId}`];
  await expectAllRejected(t, fixture, [
    ...deregistrations.map(
      (rest): Case => ({
        call: { method: 'PUT', path: `/v1/agent/service/deregister/${rest}` },
        status: 404,
        message: `Unknown service ID "${decodeURIComponent(rest)}". Ensure that the service ID is passed, not the service name.`,
      }),
    ),
    { call: { method: 'GET', path: `/v1/agent/service/x%2F..%2F${seeded.serviceId}` }, status: 404, message: `unknown service ID: x/../${seeded.serviceId}` },
    { call: { method: 'PUT', path: `/v1/agent/check/pass/x%2F..%2F${seeded.ttlCheckId}` }, status: 404, message: `Unknown check ID "x/../${seeded.ttlCheckId}". Ensure that the check ID is passed, not the check name.` },
  ]);

  // A service whose name holds a slash is reachable with the slash encoded (or not).
  const register = await fixture.send({ method: 'PUT', path: '/v1/agent/service/register', body: JSON.stringify({ Name: 'team/api', ID: 'team/api-1', Port: 7 }) });
  t.is(register.status, 200, register.text);
  for (const path of ['/v1/catalog/service/team%2Fapi', '/v1/catalog/service/team/api', '/v1/health/service/team%2Fapi']) {
    const reply = await fixture.send({ method: 'GET', path });
    t.is(reply.status, 200, path);
    t.is((JSON.parse(reply.text) as unknown[]).length, 1, path);
  }
  t.is((await fixture.send({ method: 'GET', path: '/v1/agent/service/team%2Fapi-1' })).status, 200);
  t.is((await fixture.send({ method: 'PUT', path: '/v1/agent/service/deregister/team%2Fapi-1' })).status, 200);
});

test('a control character in the path is 400 before routing, and the request does nothing', async (t) => {
  const fixture = await startSeededAgent(t);
  const paths = [
    `/v1/agent/service/deregister/${seeded.serviceId}%00`,
    `/v1/agent/service/deregister/${seeded.serviceId}%0A`,
    `/v1/agent/check/fail/${seeded.ttlCheckId}%0D%0AX-Injected:%201`,
    '/v1/catalog/service/a%01b',
    '/v1/catalog/service/a%7Fb',
    '/v1/catalog/service/a%09b',
    '/v1/nope%0A',
  ];
  for (const path of paths) {
    const before = await snapshot(fixture);
    const reply = await fixture.send({ method: path.includes('/catalog/') || path.startsWith('/v1/nope') ? 'GET' : 'PUT', path });
    // Consul's go-cleanhttp filter answers 400 with an empty body; a one-line message is also fine.
    t.is(reply.status, 400, `${path}: status (body: ${reply.text})`);
    t.false(/[\r\n]/.test(reply.text.replace(/\n$/, '')), `${path}: body is not one line`);
    if (reply.text !== '') t.regex(String(reply.headers['content-type']), /^text\/plain\b/, `${path}: Content-Type`);
    t.is(reply.headers['x-injected'], undefined, `${path}: header injected`);
    await assertAlive(t, fixture, path);
    t.deepEqual(await snapshot(fixture), before, `${path}: state changed`);
  }
});

test('broken percent-encoding in the path is a one-line plain-text 400', async (t) => {
  const fixture = await startSeededAgent(t);
  // Go's net/http refuses these request URIs with "400 Bad Request" in plain text.
  const cases: readonly [string, string][] = [
    ['GET', '/v1/catalog/service/%ZZ'],
    ['GET', '/v1/catalog/service/web%'],
    ['GET', '/v1/agent/service/%E2%9C'],
    ['PUT', `/v1/agent/service/deregister/${seeded.serviceId}%ZZ`],
    ['PUT', `/v1/agent/check/pass/${seeded.ttlCheckId}%C3%28`],
  ];
  await expectAllRejected(
    t,
    fixture,
    cases.map(([method, path]) => ({ call: { method, path }, status: 400, message: /\S/ })),
  );
});

test('very long and non-ASCII service names are handled like any other name', async (t) => {
  const fixture = await startSeededAgent(t);
  // 10,000 characters: well under the 16 KiB request-line limit, far over any sane name.
  const long = 'a'.repeat(10_000);
  for (const name of [long, 'café-✓', '服务', '🚀']) {
    const encoded = encodeURIComponent(name);
    await expectAllRejected(t, fixture, [
      { call: { method: 'PUT', path: `/v1/agent/service/deregister/${encoded}` }, status: 404, message: `Unknown service ID "${name}". Ensure that the service ID is passed, not the service name.` },
      { call: { method: 'GET', path: `/v1/agent/service/${encoded}` }, status: 404, message: `unknown service ID: ${name}` },
    ]);
    const before = await snapshot(fixture);
    for (const path of [`/v1/catalog/service/${encoded}`, `/v1/health/service/${encoded}`]) {
      const reply = await fixture.send({ method: 'GET', path });
      t.is(reply.status, 200, `${path.slice(0, 60)}: status (body: ${reply.text.slice(0, 200)})`);
      t.is(reply.text, '[]');
    }
    t.deepEqual(await snapshot(fixture), before);
  }
  // And they can be registered and found again by the same encoded path.
  for (const name of ['x'.repeat(5_000), 'café-✓']) {
    const register = await fixture.send({ method: 'PUT', path: '/v1/agent/service/register', body: JSON.stringify({ Name: name, Port: 1 }) });
    t.is(register.status, 200, register.text);
    const reply = await fixture.send({ method: 'GET', path: `/v1/catalog/service/${encodeURIComponent(name)}` });
    t.is(reply.status, 200);
    t.is((JSON.parse(reply.text) as { ServiceName: string }[])[0]?.ServiceName, name);
  }
  await assertAlive(t, fixture, 'long and unicode names');
});
