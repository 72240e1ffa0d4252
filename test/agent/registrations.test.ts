// Goal: the agent's registration calls keep Consul's rules and texts: unknown services and checks
// are not_found with Consul's messages, a check may only name a registered service, only TTL
// checks take outside status updates, check output is cut at the check's OutputMaxSize (4 KiB by
// default) with Consul's note, and every change is pushed before the call returns.
// Method: table tests for truncateOutput; scripts of registrations over LocalState and a real
// CatalogSync with a recording fake RPC client.

import test from 'ava';
import { deregisterCheck, deregisterService, registerCheck, registerService, truncateOutput, updateTtlCheck } from '../../src/agent/registrations.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import { checkDefinitionSchema } from '../../src/structs/check.js';
import { decode } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';
import { agentParts } from './fakes.js';

const truncateCases: { name: string; output: string; maxBytes: number; expected: string }[] = [
  { name: 'shorter than the limit', output: 'abc', maxBytes: 4, expected: 'abc' },
  { name: 'exactly the limit', output: 'abcd', maxBytes: 4, expected: 'abcd' },
  { name: 'one byte over', output: 'abcde', maxBytes: 4, expected: 'abcd ... (captured 4 of 5 bytes)' },
  { name: 'empty', output: '', maxBytes: 4, expected: '' },
  { name: 'the limit counts UTF-8 bytes', output: 'ééé', maxBytes: 4, expected: 'éé ... (captured 4 of 6 bytes)' },
  { name: 'a cut inside a character becomes U+FFFD, as Go JSON-encodes the raw bytes', output: 'éé', maxBytes: 3, expected: 'é\ufffd ... (captured 3 of 4 bytes)' },
  { name: 'the default 4 KiB', output: 'x'.repeat(5000), maxBytes: 4096, expected: `${'x'.repeat(4096)} ... (captured 4096 of 5000 bytes)` },
];

for (const { name, output, maxBytes, expected } of truncateCases) {
  test(`truncateOutput: ${name}`, (t) => {
    t.is(truncateOutput(output, maxBytes), expected);
  });
}

const service = (json: unknown) => decode(serviceDefinitionSchema, json);
const checkDefinition = (json: unknown) => decode(checkDefinitionSchema, json);
const api = { source: 'api' as const, token: '' };

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (!isTaxiwayError(error)) throw error;
    return { code: error.code, message: error.message };
  }
}

test('registering a service pushes it with its checks; the request token applies when the definition has none', async (t) => {
  const { deps, local, rpc } = agentParts();
  await registerService(deps, service({ Name: 'web', Check: { TTL: '10s' } }), { ...api, token: 'request-token', replaceExistingChecks: false });
  t.is(local.service('web')?.token, 'request-token');
  t.deepEqual(rpc.summary(), ['register node', 'register web [service:web]']);
  await registerService(deps, service({ Name: 'api', Token: 'own' }), { ...api, token: 'request-token', replaceExistingChecks: false });
  t.is(local.service('api')?.token, 'own');
});

test('a service check syncs alone with the service token, as Consul stores it with the service', async (t) => {
  // Consul's AddServiceWithChecks stores each check with the service's token, so a later status
  // update of the check is pushed with that token. Here the check keeps its own (empty) token.
  const { deps, local, rpc } = agentParts();
  await registerService(deps, service({ Name: 'web', Check: { TTL: '10s' } }), { ...api, token: 'svc-token', replaceExistingChecks: false });
  t.is(local.check('service:web')?.token, 'svc-token');
  rpc.calls.length = 0;
  await updateTtlCheck(deps, 'service:web', 'passing', 'ok');
  t.is(rpc.calls[0]?.args.token, 'svc-token');
});

test('deregistering an unknown service or check is not_found with Consul texts', async (t) => {
  const { deps } = agentParts();
  t.deepEqual(await errorOf(deregisterService(deps, 'web')), {
    code: 'not_found',
    message: 'Unknown service ID "web". Ensure that the service ID is passed, not the service name.',
  });
  t.deepEqual(await errorOf(deregisterCheck(deps, 'c1')), {
    code: 'not_found',
    message: 'Unknown check ID "c1". Ensure that the check ID is passed, not the check name.',
  });
  t.deepEqual(await errorOf(updateTtlCheck(deps, 'c1', 'passing', '')), {
    code: 'not_found',
    message: 'Unknown check ID "c1". Ensure that the check ID is passed, not the check name.',
  });
});

test('a check may only name a registered service', async (t) => {
  const { deps, local } = agentParts();
  t.deepEqual(await errorOf(registerCheck(deps, checkDefinition({ Name: 'c', TTL: '10s', ServiceID: 'web' }), api)), {
    code: 'not_found',
    message: 'ServiceID "web" does not exist',
  });
  t.is(local.check('c'), undefined);
  await registerService(deps, service({ Name: 'web' }), { ...api, replaceExistingChecks: false });
  await registerCheck(deps, checkDefinition({ Name: 'c', TTL: '10s', ServiceID: 'web' }), api);
  t.is(local.check('c')?.check.ServiceID, 'web');
});

test('only TTL checks take outside updates (Consul answers 500: conflict)', async (t) => {
  const { deps } = agentParts();
  await registerCheck(deps, checkDefinition({ Name: 'web', HTTP: 'http://x', Interval: '10s' }), api);
  t.deepEqual(await errorOf(updateTtlCheck(deps, 'web', 'passing', '')), { code: 'conflict', message: 'CheckID "web" does not have associated TTL' });
});

test('TTL updates set status and output, cut at the check OutputMaxSize or 4 KiB', async (t) => {
  const { deps, local, rpc } = agentParts();
  await registerCheck(deps, checkDefinition({ Name: 'small', TTL: '10s', OutputMaxSize: 5 }), api);
  await registerCheck(deps, checkDefinition({ Name: 'default', TTL: '10s' }), api);
  rpc.calls.length = 0;
  await updateTtlCheck(deps, 'small', 'warning', 'abcdefgh');
  await updateTtlCheck(deps, 'default', 'passing', 'y'.repeat(5000));
  t.like(local.check('small')?.check, { Status: 'warning', Output: 'abcde ... (captured 5 of 8 bytes)' });
  t.is(local.check('default')?.check.Output, `${'y'.repeat(4096)} ... (captured 4096 of 5000 bytes)`);
  t.deepEqual(rpc.summary(), ['register node-level [small]', 'register node-level [default]']);
});

test('deregistering a service removes its checks locally and in the catalog', async (t) => {
  const { deps, local, rpc } = agentParts();
  await registerService(deps, service({ Name: 'web', Checks: [{ TTL: '10s' }, { TTL: '20s' }] }), { ...api, replaceExistingChecks: false });
  rpc.calls.length = 0;
  await deregisterService(deps, 'web');
  t.deepEqual(local.checks(), []);
  t.true(rpc.summary().includes('deregister service web'));
});
