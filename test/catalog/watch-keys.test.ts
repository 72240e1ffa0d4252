// Goal: each write wakes exactly the readers whose answers it can change (hashicorp/consul#1244):
// a service change wakes that service's watchers and not another service's; a node-level check
// wakes every service on its node; a service check wakes only its service; a node change wakes
// every service on the node; renames and moves wake both the old and the new answer; sidecar and
// native instances wake the connect key of their destination.
// Method: table tests: set up a catalog, watch a set of keys, apply one command, compare which
// keys woke (and took the command's index) with the expected set.

import test from 'ava';
import type { Command } from '../../src/catalog/commands.js';
import { watchKeys } from '../../src/catalog/watch.js';
import { checkContent, deregister, Harness, register, serviceContent, sidecarContent } from './fixtures.js';

/** n1 runs web and api (with a check each, plus a node check); n2 runs web and db; a sidecar serves web on n1. */
function setUp(): Harness {
  const h = new Harness();
  h.ok(register('n1', { service: serviceContent('web', 'web', { Tags: ['v1'] }), checks: [checkContent('n1', 'web-check', { ServiceID: 'web' })] }));
  h.ok(register('n1', { service: serviceContent('api', 'api'), checks: [checkContent('n1', 'api-check', { ServiceID: 'api' })] }));
  h.ok(register('n1', { checks: [checkContent('n1', 'serf')] }));
  h.ok(register('n1', { service: sidecarContent('web-proxy', 'web') }));
  h.ok(register('n2', { node: { Address: '10.0.0.2' }, service: serviceContent('web', 'web') }));
  h.ok(register('n2', { node: { Address: '10.0.0.2' }, service: serviceContent('db', 'db') }));
  return h;
}

const allKeys = [
  watchKeys.nodes,
  watchKeys.services,
  watchKeys.checks,
  watchKeys.node('n1'),
  watchKeys.node('n2'),
  watchKeys.service('web'),
  watchKeys.service('api'),
  watchKeys.service('db'),
  watchKeys.service('web-sidecar-proxy'),
  watchKeys.service('cache'),
  watchKeys.connect('web'),
  watchKeys.connect('api'),
];

const cases: { name: string; command: Command; woken: string[] }[] = [
  {
    name: 'a new tag on web@n1 wakes web, not api or db',
    command: register('n1', { service: serviceContent('web', 'web', { Tags: ['v2'] }) }),
    woken: ['services', 'checks', 'node:n1', 'service:web'],
  },
  {
    name: 'a new service cache@n2 wakes cache only among services',
    command: register('n2', { node: { Address: '10.0.0.2' }, service: serviceContent('cache', 'cache') }),
    woken: ['services', 'node:n2', 'service:cache'],
  },
  {
    name: 'a service check status change wakes only its service',
    command: register('n1', { checks: [checkContent('n1', 'api-check', { ServiceID: 'api', Status: 'critical' })] }),
    woken: ['checks', 'node:n1', 'service:api'],
  },
  {
    name: 'a node-level check change wakes every service on that node (and its sidecar destination), not other nodes',
    command: register('n1', { checks: [checkContent('n1', 'serf', { Status: 'critical' })] }),
    woken: ['checks', 'node:n1', 'service:web', 'service:api', 'service:web-sidecar-proxy', 'connect:web'],
  },
  {
    name: 'a new node-level check on n2 wakes the services of n2',
    command: register('n2', { node: { Address: '10.0.0.2' }, checks: [checkContent('n2', 'serf')] }),
    woken: ['checks', 'node:n2', 'service:web', 'service:db'],
  },
  {
    name: 'a node address change wakes the node and every service on it',
    command: register('n2', { node: { Address: '10.0.0.22' } }),
    woken: ['nodes', 'node:n2', 'service:web', 'service:db'],
  },
  {
    name: 'deregistering api@n1 wakes api (and its check) only among services',
    command: deregister('n1', 'api'),
    woken: ['services', 'checks', 'node:n1', 'service:api'],
  },
  {
    name: 'deregistering the node-level check wakes every service on n1',
    command: deregister('n1', '', 'serf'),
    woken: ['checks', 'node:n1', 'service:web', 'service:api', 'service:web-sidecar-proxy', 'connect:web'],
  },
  {
    name: 'deregistering n2 wakes its services and the node lists',
    command: deregister('n2'),
    woken: ['nodes', 'services', 'node:n2', 'service:web', 'service:db'],
  },
  {
    name: 'renaming api@n1 to cache wakes both names',
    command: register('n1', { service: serviceContent('api', 'cache') }),
    woken: ['services', 'checks', 'node:n1', 'service:api', 'service:cache'],
  },
  {
    name: 'a sidecar that changes destination wakes both connect keys',
    command: register('n1', { service: { ...sidecarContent('web-proxy', 'api'), Service: 'web-sidecar-proxy' } }),
    woken: ['services', 'node:n1', 'service:web-sidecar-proxy', 'connect:web', 'connect:api'],
  },
  {
    name: 'api becoming Connect-native wakes connect:api',
    command: register('n1', { service: serviceContent('api', 'api', { Connect: { Native: true } }) }),
    woken: ['services', 'node:n1', 'service:api', 'connect:api'],
  },
  {
    name: 'moving a check from web to api wakes both services',
    command: register('n1', { checks: [checkContent('n1', 'web-check', { ServiceID: 'api' })] }),
    woken: ['checks', 'node:n1', 'service:web', 'service:api'],
  },
  {
    name: 'a failed command wakes nobody',
    command: register('n1', { checks: [checkContent('n1', 'c', { ServiceID: 'ghost' })] }),
    woken: [],
  },
  {
    name: 'an identical re-registration wakes nobody',
    command: register('n1', { service: serviceContent('web', 'web', { Tags: ['v1'] }), checks: [checkContent('n1', 'web-check', { ServiceID: 'web' })] }),
    woken: [],
  },
];

for (const { name, command, woken } of cases) {
  test(name, (t) => {
    const h = setUp();
    const before = new Map(allKeys.map((key) => [key, h.indexOf(key)]));
    const counters = new Map(allKeys.map((key) => [key, h.wakes(key)]));
    h.apply(command);
    const wokeKeys = allKeys.filter((key) => (counters.get(key)?.count ?? 0) > 0);
    t.deepEqual([...wokeKeys].sort(), [...woken].sort(), 'keys whose watchers woke');
    for (const key of allKeys) {
      const expected = woken.includes(key) ? h.index : (before.get(key) ?? -1);
      t.is(h.indexOf(key), expected, `index of ${key}`);
      t.true((counters.get(key)?.count ?? 0) <= 1, `${key} woke at most once`);
    }
    for (const counter of counters.values()) counter.stop();
    t.is(h.store.watchedKeyCount, 0);
  });
}

test('a watcher of many keys touched by one command wakes once', (t) => {
  const h = setUp();
  const all = h.wakes(...allKeys);
  h.ok(deregister('n1'));
  t.is(all.count, 1);
  all.stop();
});
