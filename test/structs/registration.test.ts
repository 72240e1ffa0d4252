// Goal: the two doors into the catalog convert to one Registration shape as Consul would store it:
// a service's ID defaults to its name, absent weights become {1, 1}, empty optional fields are left
// out, Proxy/Connect take Consul's JSON shape; a catalog check's ID defaults to its name, its node
// to the request's, its Type is derived from its definition; Check and Checks are merged; the node
// ID is lowercased.
// Method: table tests from decoded /v1/catalog/register bodies (the real schema) to Registration.

import test from 'ava';
import { registerRequestSchema } from '../../src/structs/node.js';
import { healthCheckContent, nodeServiceContent, registrationFromRequest } from '../../src/structs/registration.js';
import { decode } from '../../src/structs/schema.js';
import { healthCheckInputSchema } from '../../src/structs/check.js';
import { nodeServiceInputSchema } from '../../src/structs/service.js';

const emptyProxy = { Mode: '', MeshGateway: {}, Expose: {} };

const serviceCases: { name: string; body: unknown; expected: Record<string, unknown> }[] = [
  {
    name: 'minimal: ID from the name, default weights, empty proxy and connect',
    body: { Service: 'web' },
    expected: { ID: 'web', Service: 'web', Tags: [], Address: '', Meta: {}, Port: 0, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Proxy: emptyProxy, Connect: {} },
  },
  {
    name: 'given fields are kept, optional ones only when set',
    body: {
      ID: 'web-1',
      Name: 'web',
      Tags: ['a'],
      Port: 80,
      Weights: { Passing: 5, Warning: 2 },
      TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 80 } },
      SocketPath: '/run/web.sock',
      Locality: { Region: 'eu', Zone: '' },
    },
    expected: {
      ID: 'web-1',
      Service: 'web',
      Tags: ['a'],
      Port: 80,
      Weights: { Passing: 5, Warning: 2 },
      TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 80 } },
      SocketPath: '/run/web.sock',
      Locality: { Region: 'eu', Zone: '' },
    },
  },
  {
    name: 'a native service',
    body: { Service: 'web', Connect: { Native: true } },
    expected: { Connect: { Native: true } },
  },
  {
    name: 'a plain service drops a Proxy block',
    body: { Service: 'web', Proxy: { DestinationServiceName: 'x' } },
    expected: { Proxy: emptyProxy },
  },
  {
    name: 'a sidecar keeps its proxy fields, zero ones left out',
    body: { Kind: 'connect-proxy', Service: 'web-proxy', Port: 21000, Proxy: { DestinationServiceName: 'web', LocalServicePort: 8080, Upstreams: [{ DestinationName: 'db', LocalBindPort: 9000 }] } },
    expected: {
      Kind: 'connect-proxy',
      Proxy: { Mode: '', DestinationServiceName: 'web', LocalServicePort: 8080, Upstreams: [{ DestinationName: 'db', LocalBindPort: 9000, MeshGateway: {} }], MeshGateway: {}, Expose: {} },
    },
  },
];

for (const { name, body, expected } of serviceCases) {
  test(`nodeServiceContent: ${name}`, (t) => {
    const content = nodeServiceContent(decode(nodeServiceInputSchema, body));
    t.like(content, expected);
    for (const optional of ['Kind', 'TaggedAddresses', 'SocketPath', 'Locality']) {
      if (!(optional in expected)) t.false(optional in content, `${optional} is left out`);
    }
  });
}

const checkCases: { name: string; body: unknown; expected: Record<string, unknown> }[] = [
  {
    name: 'ID from the name, node from the request',
    body: { Name: 'mem' },
    expected: { Node: 'n1', CheckID: 'mem', Name: 'mem', Status: '', Type: '', Interval: '', Timeout: '', Definition: {} },
  },
  {
    name: 'an HTTP definition gives Type http and Go-formatted durations',
    body: { CheckID: 'c', Name: 'web', Definition: { HTTP: 'http://x/health', Interval: '10s', Timeout: '1500ms' } },
    expected: { CheckID: 'c', Type: 'http', Interval: '10s', Timeout: '1.5s', Definition: { HTTP: 'http://x/health', Interval: '10s', Timeout: '1.5s' } },
  },
  {
    name: 'a TTL definition gives Type ttl',
    body: { Name: 't', Definition: { TTL: '30s' } },
    expected: { Type: 'ttl', Definition: { TTL: '30s' } },
  },
  {
    name: 'given Type and top-level durations win',
    body: { Name: 'x', Type: 'script', Interval: '5s', Definition: { Interval: '10s' } },
    expected: { Type: 'script', Interval: '5s' },
  },
  {
    name: 'the check keeps its own node (the server compares it with the request)',
    body: { Node: 'other', Name: 'x' },
    expected: { Node: 'other' },
  },
  {
    name: 'id is an alias of CheckID',
    body: { id: 'c-1', Name: 'x', ServiceID: 'web' },
    expected: { CheckID: 'c-1', ServiceID: 'web' },
  },
];

for (const { name, body, expected } of checkCases) {
  test(`healthCheckContent: ${name}`, (t) => {
    t.like(healthCheckContent(decode(healthCheckInputSchema, body), 'n1'), expected);
  });
}

test('registrationFromRequest: node fields, lowercase ID, service, and Checks followed by Check', (t) => {
  const request = decode(registerRequestSchema, {
    Datacenter: 'elsewhere',
    ID: 'ABCDEF01-2345-6789-ABCD-EF0123456789',
    Node: 'Node-1',
    Address: '10.0.0.1',
    TaggedAddresses: { wan: '1.2.3.4' },
    NodeMeta: { env: 'prod' },
    Service: { Service: 'web' },
    Check: { Name: 'single' },
    Checks: [{ Name: 'first' }, { Name: 'second' }],
    SkipNodeUpdate: true,
  });
  const registration = registrationFromRequest(request, 'dc1');
  t.deepEqual(registration.node, {
    ID: 'abcdef01-2345-6789-abcd-ef0123456789',
    Node: 'Node-1',
    Address: '10.0.0.1',
    Datacenter: 'dc1',
    TaggedAddresses: { wan: '1.2.3.4' },
    Meta: { env: 'prod' },
  });
  t.true(registration.skipNodeUpdate);
  t.is(registration.service?.ID, 'web');
  t.deepEqual(
    registration.checks.map((check) => [check.CheckID, check.Node]),
    [
      ['first', 'Node-1'],
      ['second', 'Node-1'],
      ['single', 'Node-1'],
    ],
  );
});

test('registrationFromRequest: no service and no checks', (t) => {
  const registration = registrationFromRequest(decode(registerRequestSchema, { Node: 'n1', Address: 'a' }), 'dc1');
  t.is(registration.service, null);
  t.deepEqual(registration.checks, []);
  t.false(registration.skipNodeUpdate);
});
