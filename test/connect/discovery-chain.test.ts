// Goal: the discovery chain compiles router → splitter → resolver as Consul's compiler does for
// the shapes we support: a default chain (tcp, one resolver, 5 s timeout), a router with its
// catch-all route, a splitter to subsets, a default subset, a redirect, and failover targets.
// Method: table of entry sets compiled with the pure compiler; assertions on start node, node
// names and targets.

import test from 'ava';
import { compileDiscoveryChain } from '../../src/connect/discovery-chain.js';
import type { ConfigEntryBody, ConfigEntryKind } from '../../src/structs/config-entry.js';

function compile(service: string, entries: readonly ConfigEntryBody[], protocols: Record<string, string> = {}) {
  const byKey = new Map(entries.map((entry) => [`${entry.Kind}/${entry.Name}`, { ...entry, CreateIndex: 1, ModifyIndex: 1 }]));
  return compileDiscoveryChain({
    serviceName: service,
    datacenter: 'dc1',
    trustDomain: 'td.consul',
    entry: (kind: ConfigEntryKind, name: string) => byKey.get(`${kind}/${name}`),
    protocolOf: (name) => protocols[name] ?? 'tcp',
  });
}

test('no entries: the default chain is one resolver with a 5s timeout', (t) => {
  const chain = compile('web', []);
  t.true(chain.Default);
  t.is(chain.Protocol, 'tcp');
  t.is(chain.StartNode, 'resolver:web.default.default.dc1');
  t.deepEqual(chain.Nodes['resolver:web.default.default.dc1']?.Resolver, { ConnectTimeout: '5s', Default: true, Target: 'web.default.default.dc1' });
  t.is(chain.Targets['web.default.default.dc1']?.SNI, 'web.default.dc1.internal.td.consul');
});

test('router → splitter → subset resolvers, with the catch-all route last', (t) => {
  const chain = compile(
    'web',
    [
      { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/admin' } }, Destination: { Service: 'admin' } }] },
      { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] },
      { Kind: 'service-resolver', Name: 'web', Subsets: { v1: { Filter: 'Service.Meta.v == 1' }, v2: { Filter: 'Service.Meta.v == 2' } }, ConnectTimeout: '2s' },
    ],
    { web: 'http', admin: 'http' },
  );
  t.false(chain.Default);
  t.is(chain.StartNode, 'router:web.default.default');
  const routes = chain.Nodes['router:web.default.default']?.Routes ?? [];
  t.deepEqual(routes.map((route) => route.NextNode), ['resolver:admin.default.default.dc1', 'splitter:web.default.default']);
  t.deepEqual(chain.Nodes['splitter:web.default.default']?.Splits?.map((split) => [split.Weight, split.NextNode]), [
    [90, 'resolver:v1.web.default.default.dc1'],
    [10, 'resolver:v2.web.default.default.dc1'],
  ]);
  t.is(chain.Targets['v1.web.default.default.dc1']?.Subset.Filter, 'Service.Meta.v == 1');
  t.is(chain.Targets['v1.web.default.default.dc1']?.ConnectTimeout, '2s');
});

test('a tcp service ignores routers and splitters', (t) => {
  const chain = compile('web', [{ Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100, Service: 'other' }] }]);
  t.is(chain.StartNode, 'resolver:web.default.default.dc1');
});

test('default subset, redirect and failover', (t) => {
  const chain = compile('web', [
    { Kind: 'service-resolver', Name: 'web', DefaultSubset: 'v1', Subsets: { v1: { Filter: 'Service.Meta.v == 1' } }, Failover: { '*': { Datacenters: ['dc2', 'dc3'] } } },
    { Kind: 'service-resolver', Name: 'old', Redirect: { Service: 'web' } },
  ]);
  t.is(chain.StartNode, 'resolver:v1.web.default.default.dc1');
  t.deepEqual(chain.Nodes['resolver:v1.web.default.default.dc1']?.Resolver?.Failover, { Targets: ['v1.web.default.default.dc2', 'v1.web.default.default.dc3'] });
  const redirected = compile('old', [
    { Kind: 'service-resolver', Name: 'old', Redirect: { Service: 'web' } },
  ]);
  t.is(redirected.StartNode, 'resolver:web.default.default.dc1');
});
