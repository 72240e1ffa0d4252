// Goal: the discovery chain compiles router → splitter → resolver as Consul's compiler does: a
// default chain (tcp, one resolver, 5 s timeout), a router with its catch-all route, a splitter to
// subsets, nested splitters flattened, a default subset, redirects, failover targets, mesh gateway
// modes, external SNI, the POST overrides (protocol, connect timeout, mesh gateway) with their
// CustomizationHash, and Consul's graph errors; random entry sets always compile to a closed,
// acyclic graph or a graph error.
// Method: table of entry sets compiled with the pure compiler; assertions on start node, node
// names, targets and error messages.

import test from 'ava';
import fc from 'fast-check';
import { type ChainOverrides, compileDiscoveryChain } from '../../src/connect/discovery-chain.js';
import { isTaxiwayError } from '../../src/lib/errors.js';
import type { ConfigEntryBody, ConfigEntryKind } from '../../src/structs/config-entry.js';

function compile(service: string, entries: readonly ConfigEntryBody[], overrides?: ChainOverrides) {
  const byKey = new Map(entries.map((entry) => [`${entry.Kind}/${entry.Name}`, { ...entry, CreateIndex: 1, ModifyIndex: 1 }]));
  return compileDiscoveryChain({
    serviceName: service,
    datacenter: 'dc1',
    trustDomain: 'td.consul',
    entry: (kind: ConfigEntryKind, name: string) => byKey.get(`${kind}/${name}`),
    ...(overrides === undefined ? {} : { overrides }),
  });
}

const http: ConfigEntryBody = { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } };

test('no entries: the default chain is one resolver with a 5s timeout', (t) => {
  const chain = compile('web', []);
  t.true(chain.Default);
  t.is(chain.Protocol, 'tcp');
  t.is(chain.CustomizationHash, undefined);
  t.is(chain.StartNode, 'resolver:web.default.default.dc1');
  t.deepEqual(chain.Nodes['resolver:web.default.default.dc1']?.Resolver, { ConnectTimeout: '5s', Default: true, Target: 'web.default.default.dc1' });
  t.is(chain.Targets['web.default.default.dc1']?.SNI, 'web.default.dc1.internal.td.consul');
  t.deepEqual(Object.keys(chain.Targets), ['web.default.default.dc1']);
  const zero = compile('web', [{ Kind: 'service-resolver', Name: 'web', ConnectTimeout: '0s' }]);
  t.true(zero.Default, 'a resolver that sets nothing (a zero timeout) is still the default one');
});

test('router → splitter → subset resolvers, with the catch-all route last', (t) => {
  const chain = compile('web', [
    http,
    { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/admin' } }, Destination: { Service: 'admin' } }] },
    { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] },
    { Kind: 'service-resolver', Name: 'web', Subsets: { v1: { Filter: 'Service.Meta.v == 1' }, v2: { Filter: 'Service.Meta.v == 2' } }, ConnectTimeout: '2s' },
  ]);
  t.false(chain.Default);
  t.is(chain.Protocol, 'http');
  t.is(chain.StartNode, 'router:web.default.default');
  const routes = chain.Nodes['router:web.default.default']?.Routes ?? [];
  t.deepEqual(routes.map((route) => route.NextNode), ['resolver:admin.default.default.dc1', 'splitter:web.default.default']);
  t.deepEqual(chain.Nodes['splitter:web.default.default']?.Splits?.map((split) => [split.Weight, split.NextNode]), [
    [90, 'resolver:v1.web.default.default.dc1'],
    [10, 'resolver:v2.web.default.default.dc1'],
  ]);
  t.is(chain.Targets['v1.web.default.default.dc1']?.Subset.Filter, 'Service.Meta.v == 1');
  t.is(chain.Targets['v1.web.default.default.dc1']?.ConnectTimeout, '2s');
  t.false(chain.Nodes['resolver:v1.web.default.default.dc1']?.Resolver?.Default);
  t.deepEqual(Object.keys(chain.Targets).sort(), ['admin.default.default.dc1', 'v1.web.default.default.dc1', 'v2.web.default.default.dc1'], 'the bare web target is not retained');
});

test('a splitter onto another splitter is flattened: weights multiply, the inner splitter node goes', (t) => {
  const chain = compile('web', [
    http,
    { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 50, Service: 'api' }, { Weight: 50, Service: 'old' }] },
    { Kind: 'service-splitter', Name: 'api', Splits: [{ Weight: 25, Service: 'api-v2' }, { Weight: 75 }] },
  ]);
  t.deepEqual(chain.Nodes['splitter:web.default.default']?.Splits?.map((split) => [split.Weight, split.NextNode]), [
    [12.5, 'resolver:api-v2.default.default.dc1'],
    [37.5, 'resolver:api.default.default.dc1'],
    [50, 'resolver:old.default.default.dc1'],
  ]);
  t.is(chain.Nodes['splitter:api.default.default'], undefined);
});

test('a tcp service may not have a router or splitter; OverrideProtocol tcp drops them and marks the chain customized', (t) => {
  const entries: ConfigEntryBody[] = [{ Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100, Service: 'other' }] }];
  t.is(t.throws(() => compile('web', entries))?.message, 'discovery chain "web" uses a protocol "tcp" that does not permit advanced routing or splitting behavior');
  const chain = compile('web', [http, ...entries], { protocol: 'tcp' });
  t.is(chain.StartNode, 'resolver:web.default.default.dc1');
  t.is(chain.Protocol, 'tcp');
  t.regex(chain.CustomizationHash ?? '', /^[0-9a-f]{8}$/);
  t.is(compile('web', [http, ...entries], { protocol: 'tcp' }).CustomizationHash, chain.CustomizationHash, 'the hash is stable');
  const l7 = compile('web', [], { protocol: 'http' });
  t.is(l7.Protocol, 'http');
  t.truthy(l7.CustomizationHash);
  t.is(compile('web', [http], { protocol: 'http' }).CustomizationHash, undefined, 'an override equal to the chain changes nothing');
});

test('OverrideConnectTimeout and OverrideMeshGateway apply to every resolver and target', (t) => {
  const entries: ConfigEntryBody[] = [
    { Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' } },
    { Kind: 'service-resolver', Name: 'web', ConnectTimeout: '2s', Failover: { '*': { Datacenters: ['dc2'] } } },
  ];
  const plain = compile('web', entries);
  t.is(plain.Targets['web.default.default.dc1']?.MeshGateway.Mode, 'local');
  t.is(plain.Targets['web.default.default.dc1']?.ConnectTimeout, '2s');
  const chain = compile('web', entries, { connectTimeoutMs: 7_000, meshGatewayMode: 'remote' });
  t.is(chain.Nodes['resolver:web.default.default.dc1']?.Resolver?.ConnectTimeout, '7s');
  t.deepEqual(chain.Nodes['resolver:web.default.default.dc1']?.Resolver?.Failover, { Targets: ['web.default.default.dc2'] });
  for (const id of ['web.default.default.dc1', 'web.default.default.dc2']) {
    t.is(chain.Targets[id]?.MeshGateway.Mode, 'remote');
    t.is(chain.Targets[id]?.ConnectTimeout, '7s');
  }
  t.regex(chain.CustomizationHash ?? '', /^[0-9a-f]{8}$/);
  t.not(chain.CustomizationHash, compile('web', entries, { connectTimeoutMs: 8_000, meshGatewayMode: 'remote' }).CustomizationHash);
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
  t.false(redirected.Default, 'a redirect to another service is not the default chain');
});

test('external SNI makes the target external and forbids subsets', (t) => {
  const chain = compile('pay', [{ Kind: 'service-defaults', Name: 'pay', ExternalSNI: 'pay.example.com' }]);
  t.is(chain.Targets['pay.default.default.dc1']?.SNI, 'pay.example.com');
  t.true(chain.Targets['pay.default.default.dc1']?.External);
  const error = t.throws(() => compile('pay', [{ Kind: 'service-defaults', Name: 'pay', ExternalSNI: 'x' }, { Kind: 'service-resolver', Name: 'pay', Subsets: { v1: { Filter: '' } } }]));
  t.is(error?.message, 'service "pay" has an external SNI set; cannot define subsets for external services');
});

const graphErrors: readonly { name: string; service: string; entries: ConfigEntryBody[]; message: string }[] = [
  {
    name: 'redirect loop',
    service: 'a',
    entries: [{ Kind: 'service-resolver', Name: 'a', Redirect: { Service: 'b' } }, { Kind: 'service-resolver', Name: 'b', Redirect: { Service: 'a' } }],
    message: 'detected circular resolver redirect: [a.default.default.dc1 -> b.default.default.dc1 -> a.default.default.dc1]',
  },
  {
    name: 'splitter loop',
    service: 'a',
    entries: [http, { Kind: 'service-splitter', Name: 'a', Splits: [{ Weight: 100, Service: 'b' }] }, { Kind: 'service-splitter', Name: 'b', Splits: [{ Weight: 100, Service: 'a' }] }],
    message: 'detected circular reference: [splitter:a.default.default -> splitter:b.default.default -> splitter:a.default.default]',
  },
  {
    name: 'missing subset',
    service: 'web',
    entries: [http, { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100, ServiceSubset: 'v3' }] }],
    message: 'service "web" does not have a subset named "v3"',
  },
  {
    name: 'mixed protocols',
    service: 'web',
    entries: [{ Kind: 'service-defaults', Name: 'web', Protocol: 'http' }, { Kind: 'service-defaults', Name: 'api', Protocol: 'grpc' }, { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { Service: 'api' } }] }],
    message: 'discovery chain "web" uses inconsistent protocols; service "api" has "grpc" which is not "http"',
  },
];

for (const row of graphErrors) {
  test(`graph error: ${row.name}`, (t) => {
    t.is(t.throws(() => compile(row.service, row.entries))?.message, row.message);
  });
}

// Random entry sets over three services (all http, so routers and splitters apply): the compile
// either refuses with a graph error or returns a closed, acyclic graph whose splits still sum to 100.
const services = ['a', 'b', 'c'] as const;
const serviceArb = fc.constantFrom(...services);
const subsetArb = fc.constantFrom('', 'v1', 'v2');
const resolverArb = (name: string) =>
  fc.oneof(
    fc.record({ Redirect: fc.record({ Service: serviceArb, ServiceSubset: subsetArb }) }),
    fc.record({ Subsets: fc.constant({ v1: { Filter: '' }, v2: { Filter: '' } }), DefaultSubset: subsetArb, Failover: fc.constant({ '*': { Datacenters: ['dc2'] } }) }),
  ).map((fields): ConfigEntryBody => ({ Kind: 'service-resolver', Name: name, ...fields }));
const splitterArb = (name: string) =>
  fc.array(fc.record({ Service: serviceArb, ServiceSubset: subsetArb }), { minLength: 1, maxLength: 3 }).map((splits): ConfigEntryBody => ({
    Kind: 'service-splitter',
    Name: name,
    Splits: splits.map((split, i) => ({ ...split, Weight: i === 0 ? 100 - 10 * (splits.length - 1) : 10 })),
  }));
const routerArb = (name: string) =>
  fc.array(fc.record({ Service: serviceArb, ServiceSubset: subsetArb }), { maxLength: 2 }).map((destinations): ConfigEntryBody => ({
    Kind: 'service-router',
    Name: name,
    Routes: destinations.map((destination, i) => ({ Match: { HTTP: { PathPrefix: `/${i}` } }, Destination: destination })),
  }));
const entriesArb = fc.tuple(...services.map((name) => fc.tuple(fc.option(routerArb(name)), fc.option(splitterArb(name)), fc.option(resolverArb(name))))).map((perService): ConfigEntryBody[] => [
  { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } },
  ...perService.flat().filter((entry): entry is ConfigEntryBody => entry !== null),
]);

test('property: a chain is refused with a graph error, or closed, acyclic and weighted to 100', (t) => {
  fc.assert(
    fc.property(entriesArb, serviceArb, (entries, service) => {
      let chain;
      try {
        chain = compile(service, entries);
      } catch (error) {
        return isTaxiwayError(error) && error.code === 'conflict';
      }
      const nodes = chain.Nodes;
      const onPath = new Set<string>();
      const visit = (name: string): boolean => {
        const node = nodes[name];
        if (node === undefined || onPath.has(name)) return false;
        onPath.add(name);
        const next = [...(node.Routes ?? []), ...(node.Splits ?? [])].map((edge) => edge.NextNode);
        const ok = next.every(visit) && (node.Resolver === undefined || [node.Resolver.Target, ...(node.Resolver.Failover?.Targets ?? [])].every((id) => chain.Targets[id] !== undefined));
        onPath.delete(name);
        return ok;
      };
      const splitsSumTo100 = Object.values(nodes).every((node) => node.Splits === undefined || Math.abs(node.Splits.reduce((sum, split) => sum + split.Weight, 0) - 100) < 0.1);
      return visit(chain.StartNode) && splitsSumTo100;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
