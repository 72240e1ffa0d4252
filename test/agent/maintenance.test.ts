// Goal: maintenance mode is Consul's: a critical check "_node_maintenance" (or
// "_service_maintenance:<id>") of type maintenance, with the reason (or Consul's default text) as
// notes; enabling twice keeps the first reason, disabling removes it; an unknown service is a
// not_found with Consul's text; each change is pushed to the catalog before the call returns.
// Method: table tests on LocalState with a real CatalogSync over a recording fake RPC client.

import test from 'ava';
import { isMaintenanceCheck, nodeMaintenanceCheckId, setNodeMaintenance, setServiceMaintenance } from '../../src/agent/maintenance.js';
import { registerService } from '../../src/agent/registrations.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import { decode } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';
import { agentParts } from './fakes.js';

const defaultNodeReason = 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
const defaultServiceReason = 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';

test('node maintenance: on with a reason, on again keeps it, off removes it; each change is synced', async (t) => {
  const { deps, local, rpc } = agentParts();
  await setNodeMaintenance(deps, 'agent-1', true, 'upgrading');
  t.like(local.check(nodeMaintenanceCheckId)?.check, {
    Node: 'agent-1',
    CheckID: '_node_maintenance',
    Name: 'Node Maintenance Mode',
    Status: 'critical',
    Notes: 'upgrading',
    ServiceID: '',
    Type: 'maintenance',
    Definition: {},
  });
  t.deepEqual(rpc.summary(), ['register node', 'register node-level [_node_maintenance]']);
  await setNodeMaintenance(deps, 'agent-1', true, 'another reason');
  t.is(local.check(nodeMaintenanceCheckId)?.check.Notes, 'upgrading');
  t.is(rpc.calls.length, 2, 'no change, no push');
  await setNodeMaintenance(deps, 'agent-1', false, '');
  t.is(local.check(nodeMaintenanceCheckId), undefined);
  t.deepEqual(rpc.summary().at(-1), 'deregister check _node_maintenance');
  await setNodeMaintenance(deps, 'agent-1', false, '');
  t.is(rpc.calls.length, 3, 'off when already off changes nothing');
});

test('node maintenance without a reason uses Consul default text', async (t) => {
  const { deps, local } = agentParts();
  await setNodeMaintenance(deps, 'agent-1', true, '');
  t.is(local.check(nodeMaintenanceCheckId)?.check.Notes, defaultNodeReason);
});

test('service maintenance: a critical check on the service, default reason, removed when off', async (t) => {
  const { deps, local, rpc } = agentParts();
  await registerService(deps, decode(serviceDefinitionSchema, { ID: 'web-1', Name: 'web' }), { source: 'api', token: '', replaceExistingChecks: false });
  await setServiceMaintenance(deps, 'agent-1', 'web-1', true, '');
  t.like(local.check('_service_maintenance:web-1')?.check, {
    Name: 'Service Maintenance Mode',
    Status: 'critical',
    Notes: defaultServiceReason,
    ServiceID: 'web-1',
    Type: 'maintenance',
  });
  t.deepEqual(rpc.summary().at(-1), 'register web-1 [_service_maintenance:web-1]');
  await setServiceMaintenance(deps, 'agent-1', 'web-1', false, '');
  t.is(local.check('_service_maintenance:web-1'), undefined);
});

test('service maintenance on an unknown service is not_found with Consul text', async (t) => {
  const { deps } = agentParts();
  const error = await t.throwsAsync(setServiceMaintenance(deps, 'agent-1', 'web', true, ''));
  t.true(isTaxiwayError(error));
  t.like(error, { code: 'not_found', message: 'Unknown service ID "web". Ensure that the service ID is passed, not the service name.' });
});

const idCases: [string, boolean][] = [
  ['_node_maintenance', true],
  ['_service_maintenance:web', true],
  ['_service_maintenance:', true],
  ['_node_maintenance2', false],
  ['service:web', false],
  ['_Node_Maintenance', false],
];

for (const [id, expected] of idCases) {
  test(`isMaintenanceCheck(${JSON.stringify(id)}) → ${expected}`, (t) => {
    t.is(isMaintenanceCheck(id), expected);
  });
}
