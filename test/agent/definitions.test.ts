// Goal: a service or check definition becomes the local entries Consul's agent would make: service
// checks get IDs service:<id> (service:<id>:<n> when there are several) and names
// "Service '<name>' check", start critical unless a valid status is given, and are refused with
// Consul's CheckType.Validate messages; script checks are refused unless enabled for their source.
// Method: table tests from JSON definitions (decoded by the real schemas) to LocalService/LocalCheck
// or to the exact bad_request message.

import test from 'ava';
import { type DefinitionContext, localCheckFromDefinition, localServiceFromDefinition } from '../../src/agent/definitions.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import { checkDefinitionSchema } from '../../src/structs/check.js';
import { decode } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';

const apiContext: DefinitionContext = { nodeName: 'agent-1', source: 'api', enableScriptChecks: false, enableLocalScriptChecks: false };

const serviceOf = (json: unknown, context = apiContext) => localServiceFromDefinition(decode(serviceDefinitionSchema, json), context);
const checkOf = (json: unknown, context = apiContext) => localCheckFromDefinition(decode(checkDefinitionSchema, json), context);

/** The bad_request message fn throws, or "ok". */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (isTaxiwayError(error) && error.code === 'bad_request') return error.message;
    throw error;
  }
}

const ttl = { TTL: '30s' };

const idCases: { name: string; json: Record<string, unknown>; expected: [string, string][] }[] = [
  { name: 'one Check', json: { Name: 'web', Check: ttl }, expected: [['service:web', "Service 'web' check"]] },
  { name: 'one entry in Checks', json: { Name: 'web', Checks: [ttl] }, expected: [['service:web', "Service 'web' check"]] },
  {
    name: 'Check and Checks are numbered together, Check first',
    json: { Name: 'web', Check: { ...ttl, Notes: 'first' }, Checks: [ttl, ttl] },
    expected: [
      ['service:web:1', "Service 'web' check"],
      ['service:web:2', "Service 'web' check"],
      ['service:web:3', "Service 'web' check"],
    ],
  },
  { name: 'IDs use the service ID, names the service name', json: { ID: 'web-1', Name: 'web', Check: ttl }, expected: [['service:web-1', "Service 'web' check"]] },
  {
    name: 'given IDs and names are kept, numbering counts every check',
    json: { Name: 'web', Checks: [{ ...ttl, CheckID: 'mine', Name: 'My check' }, ttl] },
    expected: [
      ['mine', 'My check'],
      ['service:web:2', "Service 'web' check"],
    ],
  },
  { name: 'an empty Check is no check', json: { Name: 'web', Check: {} }, expected: [] },
  { name: 'an empty Check does not count in the numbering', json: { Name: 'web', Check: {}, Checks: [ttl, ttl] }, expected: [['service:web:1', "Service 'web' check"], ['service:web:2', "Service 'web' check"]] },
];

for (const { name, json, expected } of idCases) {
  test(`service check IDs and names: ${name}`, (t) => {
    const { checks } = serviceOf(json);
    t.deepEqual(
      checks.map((check) => [check.check.CheckID, check.check.Name]),
      expected,
    );
    for (const check of checks) t.is(check.check.ServiceID, (json.ID as string | undefined) ?? 'web');
  });
}

test('a service definition becomes the catalog form, with its token and source', (t) => {
  const { service, checks } = serviceOf({ Name: 'web', Port: 80, Tags: ['a'], Token: 'svc-token', Check: { HTTP: 'http://localhost/', Interval: '10s' } }, { ...apiContext, source: 'config' });
  t.like(service, { token: 'svc-token', source: 'config', service: { ID: 'web', Service: 'web', Port: 80, Tags: ['a'] } });
  t.like(checks[0], {
    token: 'svc-token',
    source: 'config',
    check: { Node: 'agent-1', Status: 'critical', Type: 'http', Interval: '10s', Timeout: '', Output: '', Definition: { HTTP: 'http://localhost/', Interval: '10s' } },
  });
  t.like(checks[0]?.definition, { HTTP: 'http://localhost/', Interval: 10_000 });
});

const statusCases: [string, string][] = [
  ['', 'critical'],
  ['passing', 'passing'],
  ['warning', 'warning'],
  ['critical', 'critical'],
  ['Passing', "Status for checks must 'passing', 'warning', 'critical'"],
  ['unknown', "Status for checks must 'passing', 'warning', 'critical'"],
];

for (const [status, expected] of statusCases) {
  test(`service check status ${JSON.stringify(status)} → ${expected}`, (t) => {
    let got = '';
    const message = outcome(() => (got = serviceOf({ Name: 'web', Check: { ...ttl, Status: status } }).checks[0]?.check.Status ?? ''));
    t.is(message === 'ok' ? got : message, expected);
  });
}

/** CheckType.Validate, first failing rule wins. */
const validateCases: { name: string; check: Record<string, unknown>; expected: string }[] = [
  { name: 'TTL', check: { TTL: '10s' }, expected: 'ok' },
  { name: 'HTTP with interval', check: { HTTP: 'http://x', Interval: '10s' }, expected: 'ok' },
  { name: 'TCP with interval', check: { TCP: 'localhost:80', Interval: '10s' }, expected: 'ok' },
  { name: 'UDP with interval', check: { UDP: 'localhost:53', Interval: '10s' }, expected: 'ok' },
  { name: 'gRPC with interval', check: { GRPC: 'localhost:9000', Interval: '10s' }, expected: 'ok' },
  { name: 'H2PING with interval', check: { H2PING: 'localhost:443', Interval: '10s' }, expected: 'ok' },
  { name: 'OSService with interval', check: { OSService: 'sshd', Interval: '10s' }, expected: 'ok' },
  { name: 'alias service', check: { AliasService: 'db' }, expected: 'ok' },
  { name: 'alias node', check: { AliasNode: 'n2' }, expected: 'ok' },
  { name: 'interval and TTL', check: { TTL: '10s', Interval: '10s' }, expected: 'Invalid check: Interval and TTL cannot both be specified' },
  { name: 'HTTP without interval', check: { HTTP: 'http://x' }, expected: 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks' },
  { name: 'TCP with a zero interval', check: { TCP: 'x:1', Interval: '0s' }, expected: 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks' },
  { name: 'HTTP and alias', check: { HTTP: 'http://x', Interval: '10s', AliasService: 'db' }, expected: 'Invalid check: Interval cannot be set for Alias checks' },
  { name: 'alias with TTL', check: { AliasService: 'db', TTL: '10s' }, expected: 'Invalid check: TTL must be not be set for Alias checks' },
  { name: 'nothing to run', check: { Notes: 'just notes' }, expected: 'Invalid check: TTL must be > 0 for TTL checks' },
  { name: 'docker without args', check: { DockerContainerID: 'abc', Interval: '10s' }, expected: 'Invalid check: TTL must be > 0 for TTL checks' },
  {
    name: 'warning after critical',
    check: { ...ttl, FailuresBeforeWarning: 3, FailuresBeforeCritical: 2 },
    expected: "Invalid check: FailuresBeforeWarning can't be higher than FailuresBeforeCritical",
  },
  { name: 'warning threshold alone', check: { ...ttl, FailuresBeforeWarning: 3 }, expected: 'ok' },
];

for (const { name, check, expected } of validateCases) {
  test(`CheckType.Validate in a service: ${name}`, (t) => {
    t.is(outcome(() => serviceOf({ Name: 'web', Check: check })), expected);
  });

  test(`CheckType.Validate on its own: ${name}`, (t) => {
    t.is(outcome(() => checkOf({ Name: 'c', ...check })), expected);
  });
}

const scriptRefused = "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true";
const scriptCases: { name: string; context: Partial<DefinitionContext>; expected: string }[] = [
  { name: 'API, nothing enabled', context: {}, expected: scriptRefused },
  { name: 'config file, nothing enabled', context: { source: 'config' }, expected: scriptRefused },
  { name: 'API, only local scripts enabled', context: { enableLocalScriptChecks: true }, expected: scriptRefused },
  { name: 'config file, local scripts enabled', context: { source: 'config', enableLocalScriptChecks: true }, expected: 'ok' },
  { name: 'API, scripts enabled', context: { enableScriptChecks: true }, expected: 'ok' },
  { name: 'config file, scripts enabled', context: { source: 'config', enableScriptChecks: true }, expected: 'ok' },
];

for (const { name, context, expected } of scriptCases) {
  test(`script checks: ${name}`, (t) => {
    const script = { Args: ['/bin/check'], Interval: '10s' };
    t.is(outcome(() => serviceOf({ Name: 'web', Check: script }, { ...apiContext, ...context })), expected);
    t.is(outcome(() => checkOf({ Name: 'c', ...script }, { ...apiContext, ...context })), expected);
  });
}

const serviceRefusals: { name: string; json: Record<string, unknown>; expected: string }[] = [
  { name: 'no name', json: { ID: 'x' }, expected: 'Missing service name' },
  { name: 'unspecified IPv4 address', json: { Name: 'web', Address: '0.0.0.0' }, expected: 'Invalid service address' },
  { name: 'unspecified IPv6 address', json: { Name: 'web', Address: '::' }, expected: 'Invalid service address' },
  { name: 'bad weights', json: { Name: 'web', Weights: { Passing: 0, Warning: 1 } }, expected: 'Invalid Weights: Passing must be greater than 0' },
  { name: 'bad meta', json: { Name: 'web', Meta: { 'consul-x': 'y' } }, expected: "Invalid Service Meta: Couldn't load metadata pair ('consul-x', 'y'): Key prefix 'consul-' is reserved for internal use" },
  { name: 'unknown kind', json: { Name: 'web', Kind: 'gateway' }, expected: 'Invalid service kind: "gateway"' },
  { name: 'a proxy without destination', json: { Name: 'p', Kind: 'connect-proxy', Port: 21000 }, expected: 'Proxy.DestinationServiceName must be non-empty for Connect proxy services' },
];

for (const { name, json, expected } of serviceRefusals) {
  test(`service definitions refused: ${name}`, (t) => {
    t.is(outcome(() => serviceOf(json)), expected);
  });
}

test('a check registered on its own: ID from the name, status critical, durations rendered even when unset', (t) => {
  const local = checkOf({ Name: 'mem', TTL: '15s', Notes: 'n' });
  t.like(local.check, { Node: 'agent-1', CheckID: 'mem', Name: 'mem', Status: 'critical', Notes: 'n', ServiceID: '', Type: 'ttl', Interval: '0s', Timeout: '0s', Definition: { TTL: '15s' } });
  t.like(checkOf({ ID: 'c-1', Name: 'mem', TTL: '15s', Status: 'passing', ServiceID: 'web' }).check, { CheckID: 'c-1', Status: 'passing', ServiceID: 'web' });
});

const checkRefusals: { name: string; json: Record<string, unknown>; expected: string }[] = [
  { name: 'no name', json: { TTL: '10s' }, expected: 'Missing check name' },
  { name: 'bad status', json: { Name: 'c', TTL: '10s', Status: 'ok' }, expected: 'Bad check status' },
];

for (const { name, json, expected } of checkRefusals) {
  test(`check definitions refused: ${name}`, (t) => {
    t.is(outcome(() => checkOf(json)), expected);
  });
}
