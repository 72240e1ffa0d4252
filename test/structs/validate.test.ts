// Goal: metadata, weights, check statuses and service kinds are validated by Consul's rules with
// Consul's texts (structs.ValidateMetadata, ValidateWeights, NodeService.Validate), so a client
// sees the message it would see from Consul, always as a bad_request.
// Method: table tests of input → accepted, or → the exact error message.

import test from 'ava';
import { isTaxiwayError } from '../../src/lib/errors.js';
import type { NodeServiceContent } from '../../src/structs/registration.js';
import { checkStatusOrDefault, validateMeta, validateNodeService, validateWeights } from '../../src/structs/validate.js';

/** The message of the bad_request fn throws, or "ok". */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (!isTaxiwayError(error)) throw error;
    if (error.code !== 'bad_request') return `code ${error.code}`;
    return error.message;
  }
}

const manyPairs = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
const sixtyFourPairs = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v']));

const metaCases: { name: string; meta: Record<string, string>; what?: 'node' | 'service'; reserved?: boolean; expected: string }[] = [
  { name: 'plain pairs', meta: { env: 'prod', 'a-b_C9': '' }, expected: 'ok' },
  { name: '64 pairs', meta: sixtyFourPairs, expected: 'ok' },
  { name: '65 pairs', meta: manyPairs, expected: 'Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs' },
  { name: '65 pairs on a node', meta: manyPairs, what: 'node', expected: 'Invalid Node Meta: Node metadata cannot contain more than 64 key/value pairs' },
  { name: 'blank key', meta: { '': 'v' }, expected: "Invalid Service Meta: Couldn't load metadata pair ('', 'v'): Key cannot be blank" },
  { name: 'dot in key', meta: { 'a.b': 'v' }, expected: "Invalid Service Meta: Couldn't load metadata pair ('a.b', 'v'): Key contains invalid characters" },
  { name: 'space in key', meta: { 'a b': 'v' }, expected: "Invalid Service Meta: Couldn't load metadata pair ('a b', 'v'): Key contains invalid characters" },
  { name: 'non-ASCII key', meta: { clé: 'v' }, expected: "Invalid Service Meta: Couldn't load metadata pair ('clé', 'v'): Key contains invalid characters" },
  { name: '128-byte key', meta: { ['k'.repeat(128)]: 'v' }, expected: 'ok' },
  {
    name: '129-byte key',
    meta: { ['k'.repeat(129)]: 'v' },
    expected: `Invalid Service Meta: Couldn't load metadata pair ('${'k'.repeat(129)}', 'v'): Key is too long (limit: 128 characters)`,
  },
  { name: 'reserved prefix', meta: { 'consul-x': 'v' }, expected: "Invalid Service Meta: Couldn't load metadata pair ('consul-x', 'v'): Key prefix 'consul-' is reserved for internal use" },
  { name: 'reserved prefix allowed for taxiway itself', meta: { 'consul-version': '1.20' }, what: 'node', reserved: true, expected: 'ok' },
  { name: 'prefix is case-sensitive, as in Consul', meta: { 'Consul-x': 'v' }, expected: 'ok' },
  { name: '512-byte value', meta: { k: 'v'.repeat(512) }, expected: 'ok' },
  {
    name: '513-byte value (the message shows the value cut at 40 characters)',
    meta: { k: 'v'.repeat(513) },
    expected: `Invalid Service Meta: Couldn't load metadata pair ('k', '${'v'.repeat(40)}'): Value is too long (limit: 512 characters)`,
  },
  { name: 'a __proto__ key is a valid key', meta: JSON.parse('{"__proto__": "x"}') as Record<string, string>, expected: 'ok' },
];

for (const { name, meta, what, reserved, expected } of metaCases) {
  test(`validateMeta: ${name}`, (t) => {
    t.is(outcome(() => validateMeta(meta, what ?? 'service', reserved ?? false)), expected);
  });
}

test('validateMeta: the value limit counts UTF-8 bytes, as Consul (Go len) does', (t) => {
  // limits.metaValueBytesMax is 512 bytes; "é" is 2 bytes in UTF-8, so 300 of them (600 bytes)
  // are over Consul's limit even though the string has only 300 UTF-16 code units.
  t.not(outcome(() => validateMeta({ k: 'é'.repeat(300) }, 'service')), 'ok');
  t.is(outcome(() => validateMeta({ k: 'é'.repeat(256) }, 'service')), 'ok', 'exactly 512 bytes');
});

const weightCases: [{ Passing: number; Warning: number }, string][] = [
  [{ Passing: 1, Warning: 1 }, 'ok'],
  [{ Passing: 1, Warning: 0 }, 'ok'],
  [{ Passing: 65535, Warning: 65535 }, 'ok'],
  [{ Passing: 0, Warning: 1 }, 'Invalid Weights: Passing must be greater than 0'],
  [{ Passing: -1, Warning: -1 }, 'Invalid Weights: Passing must be greater than 0'],
  [{ Passing: 1, Warning: -1 }, 'Invalid Weights: Warning must be greater or equal than 0'],
  [{ Passing: 65536, Warning: 1 }, 'Invalid Weights: DNS Weight must be between 0 and 65535'],
  [{ Passing: 1, Warning: 65536 }, 'Invalid Weights: DNS Weight must be between 0 and 65535'],
];

for (const [weights, expected] of weightCases) {
  test(`validateWeights(${JSON.stringify(weights)}) → ${expected}`, (t) => {
    t.is(outcome(() => validateWeights(weights)), expected);
  });
}

const statusCases: [string, string][] = [
  ['', 'critical'],
  ['passing', 'passing'],
  ['warning', 'warning'],
  ['critical', 'critical'],
  ['Passing', 'Invalid check status: "Passing" (expected "passing", "warning" or "critical")'],
  ['maintenance', 'Invalid check status: "maintenance" (expected "passing", "warning" or "critical")'],
  ['any', 'Invalid check status: "any" (expected "passing", "warning" or "critical")'],
];

for (const [status, expected] of statusCases) {
  test(`checkStatusOrDefault(${JSON.stringify(status)}) → ${expected}`, (t) => {
    let result = '';
    const message = outcome(() => (result = checkStatusOrDefault(status)));
    t.is(message === 'ok' ? result : message, expected);
  });
}

function service(overrides: Partial<NodeServiceContent> = {}): NodeServiceContent {
  return {
    ID: 'web',
    Service: 'web',
    Tags: [],
    Address: '',
    Meta: {},
    Port: 80,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Proxy: {},
    Connect: {},
    ...overrides,
  };
}

const serviceCases: { name: string; service: NodeServiceContent; expected: string }[] = [
  { name: 'a plain service', service: service(), expected: 'ok' },
  { name: 'every known kind but proxies needs nothing more', service: service({ Kind: 'mesh-gateway' }), expected: 'ok' },
  { name: 'an unknown kind', service: service({ Kind: 'sidecar' }), expected: 'Invalid service kind: "sidecar"' },
  { name: 'no name', service: service({ Service: '' }), expected: 'Missing service name' },
  { name: 'bad weights', service: service({ Weights: { Passing: 0, Warning: 0 } }), expected: 'Invalid Weights: Passing must be greater than 0' },
  {
    name: 'a proxy with a destination',
    service: service({ Kind: 'connect-proxy', Proxy: { DestinationServiceName: 'web' } }),
    expected: 'ok',
  },
  {
    name: 'a proxy without a port or socket',
    service: service({ Kind: 'connect-proxy', Port: 0, Proxy: { DestinationServiceName: 'web' } }),
    expected: 'Port or SocketPath must be set for a connect-proxy',
  },
  {
    name: 'a proxy on a socket',
    service: service({ Kind: 'connect-proxy', Port: 0, SocketPath: '/tmp/s', Proxy: { DestinationServiceName: 'web' } }),
    expected: 'ok',
  },
  {
    name: 'a proxy without a destination',
    service: service({ Kind: 'connect-proxy', Proxy: {} }),
    expected: 'Proxy.DestinationServiceName must be non-empty for Connect proxy services',
  },
  {
    name: 'a native proxy',
    service: service({ Kind: 'connect-proxy', Proxy: { DestinationServiceName: 'web' }, Connect: { Native: true } }),
    expected: 'A Proxy cannot also be Connect Native, only typical services',
  },
  { name: 'a native service', service: service({ Connect: { Native: true } }), expected: 'ok' },
  {
    name: 'bad meta',
    service: service({ Meta: { 'a.b': 'x' } }),
    expected: "Invalid Service Meta: Couldn't load metadata pair ('a.b', 'x'): Key contains invalid characters",
  },
];

for (const { name, service: input, expected } of serviceCases) {
  test(`validateNodeService: ${name}`, (t) => {
    t.is(outcome(() => validateNodeService(input)), expected);
  });
}
