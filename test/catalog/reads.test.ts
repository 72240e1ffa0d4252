// Goal: the catalog reads answer in Consul's order (instances by node then service ID; checks of an
// instance with the node-level ones first), find mesh instances through the connect index
// (sidecars by destination, native services by their own name), add exactly the keys they depend
// on to the WatchSet, and report an index that moves whenever their answer changes.
// Method: table tests on a catalog built through the FSM.

import test from 'ava';
import { listNodes, listServices, nodeServices, serviceInstances, instanceChecks } from '../../src/catalog/reads/catalog.js';
import { checksInState, nodeChecks, serviceChecks, serviceHealth } from '../../src/catalog/reads/health.js';
import { WatchSet } from '../../src/catalog/watch.js';
import { checkContent, Harness, register, serviceContent, sidecarContent } from './fixtures.js';

function setUp(): Harness {
  const h = new Harness();
  // Registered out of order on purpose: answers must not depend on insertion order.
  h.ok(register('n2', { service: serviceContent('web-b', 'web') }));
  h.ok(register('n1', { service: serviceContent('web-b', 'web') }));
  h.ok(register('n1', { service: serviceContent('web-a', 'Web') }));
  h.ok(register('n10', { service: serviceContent('web-a', 'web') }));
  h.ok(register('n1', { service: serviceContent('native', 'web', { Connect: { Native: true } }) }));
  h.ok(register('n2', { service: sidecarContent('web-b-proxy', 'web') }));
  h.ok(register('n2', { service: sidecarContent('api-proxy', 'api') }));
  h.ok(
    register('n1', {
      checks: [
        checkContent('n1', 'z-web-a', { ServiceID: 'web-a' }),
        checkContent('n1', 'serf'),
        checkContent('n1', 'a-web-a', { ServiceID: 'web-a', Status: 'warning' }),
        checkContent('n1', 'mem', { Status: 'critical' }),
        checkContent('n1', 'web-b-check', { ServiceID: 'web-b' }),
      ],
    }),
  );
  return h;
}

const pairs = (instances: readonly { node: { Node: string }; service: { ID: string } }[]): string[] =>
  instances.map((instance) => `${instance.node.Node}/${instance.service.ID}`);

test('instances of a service come by node name, then service ID; names match case-insensitively', (t) => {
  const h = setUp();
  for (const name of ['web', 'WEB']) {
    const { value } = serviceInstances(h.store, new WatchSet(), name, false);
    t.deepEqual(pairs(value), ['n1/native', 'n1/web-a', 'n1/web-b', 'n10/web-a', 'n2/web-b']);
  }
});

test('the connect index holds sidecars by destination and native instances by their own name', (t) => {
  const h = setUp();
  t.deepEqual(pairs(serviceInstances(h.store, new WatchSet(), 'web', true).value), ['n1/native', 'n2/web-b-proxy']);
  t.deepEqual(pairs(serviceInstances(h.store, new WatchSet(), 'api', true).value), ['n2/api-proxy']);
  t.deepEqual(pairs(serviceInstances(h.store, new WatchSet(), 'web-sidecar-proxy', true).value), []);
  t.deepEqual(pairs(serviceInstances(h.store, new WatchSet(), 'web-sidecar-proxy', false).value), ['n2/web-b-proxy']);
});

test('each read adds the keys it depends on to the watch set', (t) => {
  const h = setUp();
  const cases: { name: string; read: (watch: WatchSet) => unknown; keys: string[] }[] = [
    { name: 'listNodes', read: (w) => listNodes(h.store, w), keys: ['nodes'] },
    { name: 'listServices', read: (w) => listServices(h.store, w), keys: ['services'] },
    { name: 'serviceInstances', read: (w) => serviceInstances(h.store, w, 'Web', false), keys: ['service:web'] },
    { name: 'serviceInstances connect', read: (w) => serviceInstances(h.store, w, 'Web', true), keys: ['connect:web'] },
    { name: 'nodeServices', read: (w) => nodeServices(h.store, w, 'N1'), keys: ['node:n1'] },
    { name: 'serviceHealth', read: (w) => serviceHealth(h.store, w, 'web', false), keys: ['service:web'] },
    { name: 'nodeChecks', read: (w) => nodeChecks(h.store, w, 'n1'), keys: ['node:n1'] },
    { name: 'serviceChecks', read: (w) => serviceChecks(h.store, w, 'web'), keys: ['service:web'] },
    { name: 'checksInState', read: (w) => checksInState(h.store, w, 'passing'), keys: ['checks'] },
  ];
  for (const { name, read, keys } of cases) {
    const watch = new WatchSet();
    read(watch);
    t.deepEqual([...watch.keys], keys, name);
  }
});

test('instanceChecks lists the node-level checks first, then the instance own checks, each by check ID', (t) => {
  const h = setUp();
  t.deepEqual(
    instanceChecks(h.store, 'N1', 'WEB-A').map((check) => check.CheckID),
    ['mem', 'serf', 'a-web-a', 'z-web-a'],
  );
  t.deepEqual(
    instanceChecks(h.store, 'n2', 'web-b').map((check) => check.CheckID),
    [],
  );
});

test('serviceHealth pairs every instance with its node and checks', (t) => {
  const h = setUp();
  const { value } = serviceHealth(h.store, new WatchSet(), 'web', false);
  t.deepEqual(
    value.map((entry) => [`${entry.node.Node}/${entry.service.ID}`, entry.checks.map((check) => check.CheckID)]),
    [
      ['n1/native', ['mem', 'serf']],
      ['n1/web-a', ['mem', 'serf', 'a-web-a', 'z-web-a']],
      ['n1/web-b', ['mem', 'serf', 'web-b-check']],
      ['n10/web-a', []],
      ['n2/web-b', []],
    ],
  );
});

test('nodeServices answers null for an unknown node, with the index of its key', (t) => {
  const h = setUp();
  const result = nodeServices(h.store, new WatchSet(), 'ghost');
  t.deepEqual(result, { index: 0, value: null });
  const n1 = nodeServices(h.store, new WatchSet(), 'n1');
  t.deepEqual(
    n1.value?.services.map((service) => service.ID),
    ['native', 'web-a', 'web-b'],
  );
  t.is(n1.index, h.index, 'the last command touched n1');
});

test('listServices lists every mesh and plain service name', (t) => {
  const h = setUp();
  const { value } = listServices(h.store, new WatchSet());
  // "Web" (web-a on n1) is its own entry: names group exactly as spelled.
  t.deepEqual([...value.keys()].sort(), ['Web', 'api-sidecar-proxy', 'web', 'web-sidecar-proxy']);
});

test('listServices: names that differ only in case stay apart, as in Consul', (t) => {
  // Consul's /v1/catalog/services groups by the exact ServiceName (servicesTagsByName), so "Web"
  // and "web" are two entries. Here they share one bucket of the lowercase index and the entry
  // takes the spelling of whichever instance sorts first by (node, ID): neither Consul's answer nor
  // the "as first registered" that the function's comment promises.
  const h = new Harness();
  h.ok(register('n9', { service: serviceContent('a', 'Web', { Tags: ['upper'] }) }));
  h.ok(register('n1', { service: serviceContent('b', 'web', { Tags: ['lower'] }) }));
  const { value } = listServices(h.store, new WatchSet());
  t.deepEqual(
    [...value.entries()].map(([name, instances]) => [name, instances.map((instance) => instance.service.ID)]).sort(),
    [
      ['Web', ['a']],
      ['web', ['b']],
    ],
  );
});

test('checks by node, by service and by state', (t) => {
  const h = setUp();
  const ids = (checks: readonly { CheckID: string }[]): string[] => checks.map((check) => check.CheckID);
  t.deepEqual(ids(nodeChecks(h.store, new WatchSet(), 'N1').value), ['a-web-a', 'mem', 'serf', 'web-b-check', 'z-web-a']);
  t.deepEqual(ids(serviceChecks(h.store, new WatchSet(), 'WEB').value), ['a-web-a', 'web-b-check', 'z-web-a']);
  t.deepEqual(ids(checksInState(h.store, new WatchSet(), 'critical').value), ['mem']);
  t.deepEqual(ids(checksInState(h.store, new WatchSet(), 'warning').value), ['a-web-a']);
  t.is(checksInState(h.store, new WatchSet(), 'any').value.length, 5);
});

test('a read of something never written reports index 0 (the blocking query turns it into 1)', (t) => {
  const h = new Harness();
  t.is(serviceInstances(h.store, new WatchSet(), 'nothing', false).index, 0);
  t.is(listNodes(h.store, new WatchSet()).index, 0);
});

test('listServices: its index moves when a node change alters its answer', (t) => {
  // listServices hands out each instance with its node, and Catalog.ListServices filters those by
  // ?node-meta= and by ?filter= on NodeMeta/Address: a node meta change can add or remove a
  // service from /v1/catalog/services?node-meta=env:prod. The read watches only "services",
  // which node writes never touch, so such a blocking query would not wake and its index would not move.
  const h = new Harness();
  h.ok(register('n1', { node: { Meta: { env: 'dev' } }, service: serviceContent('web', 'web') }));
  // (Only when the caller narrows by node fields: an unfiltered answer does not change.)
  const before = listServices(h.store, new WatchSet(), true);
  h.ok(register('n1', { node: { Meta: { env: 'prod' } } }));
  const after = listServices(h.store, new WatchSet(), true);
  t.deepEqual(after.value.get('web')?.[0]?.node.Meta, { env: 'prod' }, 'the answer changed');
  t.true(after.index > before.index, 'so its index must move');
});
