// Goal: the register and deregister commands change the nodes, services and checks tables as
// Consul's state store does: a registration is one atomic transaction (node, then service, then
// checks); checks take their service's name and tags; deregistering a service takes its checks,
// deregistering a node takes everything; a node ID belongs to one node name; names and IDs are
// case-insensitive; an identical re-registration changes nothing at all.
// Method: table tests through Fsm.apply on encoded commands (the same path as the in-process log).

import test from 'ava';
import { checkContent, deregister, Harness, register, serviceContent } from './fixtures.js';

const nodeId1 = '11111111-2222-3333-4444-555555555555';
const nodeId2 = '99999999-8888-7777-6666-555555555555';

test('register a node, then a service, then checks: rows carry their create and modify indexes', (t) => {
  const h = new Harness();
  h.ok(register('n1'));
  h.ok(register('n1', { service: serviceContent('web-1', 'web', { Tags: ['v1'] }) }));
  h.ok(register('n1', { checks: [checkContent('n1', 'web-check', { ServiceID: 'web-1' }), checkContent('n1', 'serf')] }));
  const node = h.store.nodes.get('n1');
  t.like(node, { Node: 'n1', CreateIndex: 1, ModifyIndex: 1 });
  t.like(h.store.services.get('n1/web-1')?.service, { ID: 'web-1', Service: 'web', CreateIndex: 2, ModifyIndex: 2 });
  t.like(h.store.checks.get('n1/web-check'), { ServiceID: 'web-1', ServiceName: 'web', ServiceTags: ['v1'], CreateIndex: 3, ModifyIndex: 3 });
  t.like(h.store.checks.get('n1/serf'), { ServiceID: '', ServiceName: '', ServiceTags: [] });
  t.is(h.store.lastIndex, 3);
});

test('a service registration on an unknown node creates the node in the same transaction', (t) => {
  const h = new Harness();
  h.ok(register('n1', { service: serviceContent('web', 'web'), checks: [checkContent('n1', 'c', { ServiceID: 'web' })] }));
  t.truthy(h.store.nodes.get('n1'));
  t.truthy(h.store.services.get('n1/web'));
  t.truthy(h.store.checks.get('n1/c'));
});

test('skipNodeUpdate keeps an existing node as it is, but still creates a missing one', (t) => {
  const h = new Harness();
  h.ok(register('n1', { node: { Address: '10.0.0.1' } }));
  h.ok(register('n1', { node: { Address: '10.0.0.99' }, skipNodeUpdate: true, service: serviceContent('web', 'web') }));
  t.like(h.store.nodes.get('n1'), { Address: '10.0.0.1', ModifyIndex: 1 });
  h.ok(register('n2', { node: { Address: '10.0.0.2' }, skipNodeUpdate: true }));
  t.like(h.store.nodes.get('n2'), { Address: '10.0.0.2' });
});

test('a check naming a service the node does not have is refused, and the whole command leaves nothing', (t) => {
  const h = new Harness();
  h.ok(register('n1', { service: serviceContent('web', 'web') }));
  const before = { nodes: h.store.nodes.rows(), services: h.store.services.rows(), nodesIndex: h.indexOf('nodes') };
  const error = h.fail(
    register('n2', {
      service: serviceContent('api', 'api'),
      checks: [checkContent('n2', 'ok', { ServiceID: 'api' }), checkContent('n2', 'bad', { ServiceID: 'web' })],
    }),
  );
  t.deepEqual(error, { code: 'bad_request', message: 'Failed inserting check: service "web" is not registered on node "n2"' });
  t.is(h.store.nodes.get('n2'), undefined, 'the node of the failed command is not there');
  t.is(h.store.services.get('n2/api'), undefined);
  t.is(h.store.checks.size, 0);
  t.deepEqual(h.store.nodes.rows(), before.nodes);
  t.deepEqual(h.store.services.rows(), before.services);
  t.is(h.indexOf('nodes'), before.nodesIndex, 'no key took the failed index');
  t.is(h.indexOf('service:api'), 0);
});

test('a check for a node that is not registered is refused', (t) => {
  const h = new Harness();
  h.ok(register('n1'));
  const error = h.fail(register('n1', { checks: [checkContent('ghost', 'c')] }));
  t.deepEqual(error, { code: 'bad_request', message: 'Failed inserting check: node "ghost" is not registered' });
});

const nodeIdCases: { name: string; steps: { node: string; id: string; outcome: 'ok' | 'conflict' }[] }[] = [
  { name: 'the same node may re-register its ID', steps: [{ node: 'n1', id: nodeId1, outcome: 'ok' }, { node: 'n1', id: nodeId1, outcome: 'ok' }] },
  { name: 'another node may not take an ID', steps: [{ node: 'n1', id: nodeId1, outcome: 'ok' }, { node: 'n2', id: nodeId1, outcome: 'conflict' }] },
  {
    name: 'IDs compare case-insensitively',
    steps: [
      { node: 'n1', id: nodeId1, outcome: 'ok' },
      { node: 'n2', id: nodeId1.toUpperCase(), outcome: 'conflict' },
    ],
  },
  { name: 'node names compare case-insensitively', steps: [{ node: 'n1', id: nodeId1, outcome: 'ok' }, { node: 'N1', id: nodeId1, outcome: 'ok' }] },
  {
    name: 'a node may change its ID, freeing the old one',
    steps: [
      { node: 'n1', id: nodeId1, outcome: 'ok' },
      { node: 'n1', id: nodeId2, outcome: 'ok' },
      { node: 'n2', id: nodeId1, outcome: 'ok' },
    ],
  },
  { name: 'nodes without an ID never conflict', steps: [{ node: 'n1', id: '', outcome: 'ok' }, { node: 'n2', id: '', outcome: 'ok' }] },
];

for (const { name, steps } of nodeIdCases) {
  test(`node IDs: ${name}`, (t) => {
    const h = new Harness();
    for (const step of steps) {
      const result = h.apply(register(step.node, { node: { ID: step.id } }));
      t.is(result.ok ? 'ok' : result.error.code, step.outcome, `${step.node} with ID ${JSON.stringify(step.id)}`);
    }
  });
}

test('a node ID conflict names the owner, and the refused node is not written', (t) => {
  const h = new Harness();
  h.ok(register('n1', { node: { ID: nodeId1 } }));
  const error = h.fail(register('n2', { node: { ID: nodeId1 }, service: serviceContent('web', 'web') }));
  t.deepEqual(error, { code: 'conflict', message: `Failed inserting node: node ID "${nodeId1}" is already registered to node "n1"` });
  t.is(h.store.nodes.get('n2'), undefined);
  t.is(h.store.services.size, 0);
});

test('an ID is free again once its node is deregistered', (t) => {
  const h = new Harness();
  h.ok(register('n1', { node: { ID: nodeId1 } }));
  h.ok(deregister('n1'));
  h.ok(register('n2', { node: { ID: nodeId1 } }));
  t.is(h.store.nodes.rowsBy('id', nodeId1)[0]?.Node, 'n2');
});

function populated(): Harness {
  const h = new Harness();
  h.ok(register('n1', { service: serviceContent('web', 'web'), checks: [checkContent('n1', 'web-check', { ServiceID: 'web' })] }));
  h.ok(register('n1', { service: serviceContent('api', 'api'), checks: [checkContent('n1', 'api-check', { ServiceID: 'api' })] }));
  h.ok(register('n1', { checks: [checkContent('n1', 'serf')] }));
  h.ok(register('n2', { service: serviceContent('web', 'web'), checks: [checkContent('n2', 'web-check', { ServiceID: 'web' })] }));
  return h;
}

const pk = (rows: readonly { Node: string; CheckID: string }[]): string[] => rows.map((row) => `${row.Node}/${row.CheckID}`);

test('deregistering a service removes it and its checks, and nothing else', (t) => {
  const h = populated();
  h.ok(deregister('n1', 'web'));
  t.deepEqual(
    h.store.services.rows().map((row) => `${row.node}/${row.service.ID}`),
    ['n1/api', 'n2/web'],
  );
  t.deepEqual(pk(h.store.checks.rows()), ['n1/api-check', 'n1/serf', 'n2/web-check']);
  t.truthy(h.store.nodes.get('n1'));
});

test('deregistering a check removes only that check', (t) => {
  const h = populated();
  h.ok(deregister('n1', '', 'serf'));
  t.deepEqual(pk(h.store.checks.rows()), ['n1/api-check', 'n1/web-check', 'n2/web-check']);
  t.is(h.store.services.size, 3);
});

test('deregistering a node removes its services and checks, node-level ones included', (t) => {
  const h = populated();
  h.ok(deregister('N1'));
  t.is(h.store.nodes.get('n1'), undefined);
  t.deepEqual(
    h.store.services.rows().map((row) => `${row.node}/${row.service.ID}`),
    ['n2/web'],
  );
  t.deepEqual(pk(h.store.checks.rows()), ['n2/web-check']);
  t.deepEqual([...h.store.checks.keysOf('node')], ['n2'], 'no index bucket is left for n1');
  t.deepEqual([...h.store.services.keysOf('node')], ['n2']);
});

test('deregistering what is not there succeeds and changes nothing (Consul: idempotent)', (t) => {
  const h = populated();
  const indexes = ['nodes', 'services', 'checks', 'node:n1', 'service:web'].map((key) => h.indexOf(key));
  h.ok(deregister('ghost'));
  h.ok(deregister('n1', 'ghost'));
  h.ok(deregister('n1', '', 'ghost'));
  t.deepEqual(
    ['nodes', 'services', 'checks', 'node:n1', 'service:web'].map((key) => h.indexOf(key)),
    indexes,
  );
});

test('service IDs, check IDs and node names are case-insensitive keys that keep the registered spelling', (t) => {
  const h = new Harness();
  h.ok(register('Node-A', { service: serviceContent('Web-1', 'Web') }));
  h.ok(register('node-a', { skipNodeUpdate: true, checks: [checkContent('NODE-A', 'Check-1', { ServiceID: 'web-1' })] }));
  t.is(h.store.nodes.get('node-a')?.Node, 'Node-A');
  t.like(h.store.services.get('node-a/web-1'), { node: 'Node-A', service: { ID: 'Web-1', Service: 'Web' } });
  t.like(h.store.checks.get('node-a/check-1'), { Node: 'Node-A', CheckID: 'Check-1', ServiceName: 'Web' });
  h.ok(deregister('NODE-A', 'WEB-1'));
  t.is(h.store.checks.size, 0);
});

test('re-registering identical data keeps ModifyIndex and every watch-key index, and wakes nobody', (t) => {
  const h = new Harness();
  const command = register('n1', {
    node: { ID: nodeId1, Meta: { env: 'prod' }, TaggedAddresses: { lan: '10.0.0.1' } },
    service: serviceContent('web', 'web', { Tags: ['a', 'b'], Meta: { v: '1' } }),
    checks: [checkContent('n1', 'web-check', { ServiceID: 'web', Definition: { HTTP: 'http://x', Interval: '10s' } }), checkContent('n1', 'serf')],
  });
  h.ok(command);
  const keys = ['nodes', 'services', 'checks', 'node:n1', 'service:web'];
  const indexes = keys.map((key) => h.indexOf(key));
  const rows = { node: h.store.nodes.get('n1'), service: h.store.services.get('n1/web'), check: h.store.checks.get('n1/web-check') };
  const wakes = h.wakes(...keys);
  h.ok(command);
  h.ok(register('n1', { node: { ID: nodeId1, Meta: { env: 'prod' }, TaggedAddresses: { lan: '10.0.0.1' } } }));
  t.is(wakes.count, 0);
  t.deepEqual(
    keys.map((key) => h.indexOf(key)),
    indexes,
  );
  t.is(h.store.nodes.get('n1'), rows.node, 'the row object itself was not replaced');
  t.is(h.store.services.get('n1/web'), rows.service);
  t.is(h.store.checks.get('n1/web-check'), rows.check);
  t.is(h.store.lastIndex, 3, 'the commands still count as applied');
  wakes.stop();
});

test('renaming a service by re-registering its ID moves it and its checks to the new name', (t) => {
  const h = new Harness();
  h.ok(register('n1', { service: serviceContent('svc-1', 'old', { Tags: ['t1'] }), checks: [checkContent('n1', 'c', { ServiceID: 'svc-1' })] }));
  h.ok(register('n1', { service: serviceContent('svc-1', 'new', { Tags: ['t2'] }) }));
  t.deepEqual(h.store.services.rowsBy('service', 'old'), []);
  t.deepEqual(
    h.store.services.rowsBy('service', 'new').map((row) => row.service.ID),
    ['svc-1'],
  );
  t.like(h.store.services.get('n1/svc-1')?.service, { CreateIndex: 1, ModifyIndex: 2 });
  t.like(h.store.checks.get('n1/c'), { ServiceName: 'new', ServiceTags: ['t2'], ModifyIndex: 2, CreateIndex: 1 });
  t.deepEqual(h.store.checks.rowsBy('service', 'old'), []);
  t.is(h.store.checks.rowsBy('service', 'new').length, 1);
});

test('a check moved from one service to another files under the new service only', (t) => {
  const h = new Harness();
  h.ok(register('n1', { service: serviceContent('a', 'a') }));
  h.ok(register('n1', { service: serviceContent('b', 'b'), checks: [checkContent('n1', 'c', { ServiceID: 'a' })] }));
  h.ok(register('n1', { checks: [checkContent('n1', 'c', { ServiceID: 'b' })] }));
  t.like(h.store.checks.get('n1/c'), { ServiceID: 'b', ServiceName: 'b' });
  t.deepEqual(h.store.checks.rowsBy('node_service', 'n1/a'), []);
  t.is(h.store.checks.rowsBy('node_service', 'n1/b').length, 1);
});

test('a node meta key named __proto__ survives the log as a key', (t) => {
  // Meta keys are user data: "__proto__" passes Consul's key rule ([a-zA-Z0-9_-]+), schema.decode
  // keeps it as an own key, and the catalog must store it as given, not as "__proto_".
  const h = new Harness();
  const meta: Record<string, string> = {};
  Object.defineProperty(meta, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
  h.ok(register('n1', { node: { Meta: meta } }));
  t.deepEqual(Object.keys(h.store.nodes.get('n1')?.Meta ?? {}), ['__proto__']);
});
