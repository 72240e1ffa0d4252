// Goal: config entries decode as Consul's DecodeConfigEntry (case-insensitive and snake_case
// keys, unknown keys refused, HCL blocks unwrapped), each kind is normalised and validated with
// Consul's messages, and the store (command 10) applies upserts and deletes with ?cas semantics
// and refuses routing on a non-L7 protocol, in either order of writes, plus every graph error the
// discovery chain compiler finds in a chain the write reaches (cycles, subsets, mixed protocols).
// Method: table tests on the pure decoder/validators; the catalog Harness (real Fsm, wire
// encoding) for the store.

import test from 'ava';
import { CommandType, type ConfigEntryCommand } from '../../src/catalog/commands.js';
import { getConfigEntry } from '../../src/catalog/tables/config-entries.js';
import { watchKeys } from '../../src/catalog/watch.js';
import { validateConfigEntry } from '../../src/connect/config-entries/validate.js';
import { type ConfigEntryBody, decodeConfigEntry } from '../../src/structs/config-entry.js';
import { Harness } from '../catalog/fixtures.js';

test('decode: keys case-insensitively and in snake_case; HCL blocks unwrapped in weak mode', (t) => {
  const entry = decodeConfigEntry({ kind: 'service-resolver', name: 'web', default_subset: 'v1', subsets: [{ v1: [{ filter: 'x' }] }], connect_timeout: '3s' }, { weak: true });
  t.deepEqual(entry, { Kind: 'service-resolver', Name: 'web', DefaultSubset: 'v1', Subsets: { v1: { Filter: 'x' } }, ConnectTimeout: '3s' });
  const meta = decodeConfigEntry({ Kind: 'service-defaults', Name: 'web', Meta: { some_Key: 'v' } });
  t.deepEqual(meta.Meta, { some_Key: 'v' }, 'user map keys are kept exactly');
});

test('decode: an unknown key, a missing or unknown kind are refused', (t) => {
  t.regex(t.throws(() => decodeConfigEntry({ Kind: 'service-defaults', Name: 'w', Bogus: 1 }))?.message ?? '', /invalid config key "Bogus"/);
  t.regex(t.throws(() => decodeConfigEntry({ Name: 'w' }))?.message ?? '', /Kind value in payload is missing/);
  t.regex(t.throws(() => decodeConfigEntry({ Kind: 'nope', Name: 'w' }))?.message ?? '', /invalid config entry kind: nope/);
});

const e = (body: Record<string, unknown>): ConfigEntryBody => decodeConfigEntry(body);

const invalidTable: readonly { name: string; entry: Record<string, unknown>; message: RegExp }[] = [
  { name: 'splitter weights not 100', entry: { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 70 }, { Weight: 10, ServiceSubset: 'v2' }] }, message: /^the sum of all split weights must be 100, not 80\.000000$/ },
  { name: 'splitter with no splits', entry: { Kind: 'service-splitter', Name: 'web' }, message: /^no splits configured$/ },
  { name: 'splitter duplicate', entry: { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 50 }, { Weight: 50, Service: 'web' }] }, message: /split destination occurs more than once/ },
  { name: 'router two path kinds', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathExact: '/a', PathPrefix: '/b' } } }] }, message: /Route\[0\] should only contain at most one of PathExact, PathPrefix, or PathRegex/ },
  { name: 'router path without slash', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: 'b' } } }] }, message: /Route\[0\] PathPrefix doesn't start with '\/'/ },
  { name: 'router header without name', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { Header: [{ Exact: 'x' }] } } }] }, message: /Route\[0\] Header\[0\] missing required Name field/ },
  { name: 'router PrefixRewrite without path', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { PrefixRewrite: '/' } }] }, message: /cannot make use of PrefixRewrite/ },
  { name: 'resolver bad default subset', entry: { Kind: 'service-resolver', Name: 'web', DefaultSubset: 'v9' }, message: /DefaultSubset "v9" is not a valid subset/ },
  { name: 'resolver bad subset filter', entry: { Kind: 'service-resolver', Name: 'web', Subsets: { v1: { Filter: 'Service.Nope == 1' } } }, message: /Filter for subset "v1" is not a valid expression/ },
  { name: 'resolver redirect and failover', entry: { Kind: 'service-resolver', Name: 'web', Redirect: { Service: 'x' }, Failover: { '*': { Service: 'y' } } }, message: /Redirect and Failover cannot both be set/ },
  { name: 'resolver empty failover', entry: { Kind: 'service-resolver', Name: 'web', Failover: { '*': {} } }, message: /Bad Failover\["\*"\] one of Service/ },
  { name: 'resolver negative timeout', entry: { Kind: 'service-resolver', Name: 'web', ConnectTimeout: '-1s' }, message: /Bad ConnectTimeout '-1s', must be >= 0/ },
  { name: 'resolver lb policy', entry: { Kind: 'service-resolver', Name: 'web', LoadBalancer: { Policy: 'fastest' } }, message: /Bad LoadBalancer policy: "fastest" is not supported/ },
  { name: 'proxy-defaults name', entry: { Kind: 'proxy-defaults', Name: 'web' }, message: /invalid name \("web"\), only "global" is supported/ },
  { name: 'mesh name', entry: { Kind: 'mesh', Name: 'web' }, message: /only "mesh" is supported/ },
  { name: 'service-defaults mode', entry: { Kind: 'service-defaults', Name: 'web', Mode: 'sideways' }, message: /Invalid Proxy Mode/ },
  { name: 'service-defaults upstream timeout', entry: { Kind: 'service-defaults', Name: 'web', UpstreamConfig: { Defaults: { ConnectTimeoutMs: -1 } } }, message: /connect_timeout_ms cannot be negative/ },
  { name: 'intentions source action', entry: { Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'a', Action: 'maybe' }] }, message: /Sources\[0\]\.Action must be set to 'allow' or 'deny'/ },
  { name: 'intentions action with permissions', entry: { Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'a', Action: 'allow', Permissions: [{ Action: 'deny', HTTP: { PathExact: '/' } }] }] }, message: /Action must be omitted if Permissions are specified/ },
  { name: 'intentions partial wildcard', entry: { Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'a*', Action: 'allow' }] }, message: /wildcard character '\*' cannot be used with partial values/ },
  { name: 'intentions duplicate source', entry: { Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'a', Action: 'allow' }, { Name: 'a', Action: 'deny' }] }, message: /Sources\[1\] defines "a" more than once/ },
  { name: 'intentions empty HTTP', entry: { Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'a', Permissions: [{ Action: 'deny', HTTP: {} }] }] }, message: /Permissions\[0\]\.HTTP should not be empty/ },
  { name: 'no name', entry: { Kind: 'service-defaults' }, message: /^Name is required$/ },
  { name: 'router fault without abort or delay', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { FaultInjection: {} } }] }, message: /Route\[0\] FaultInjection must specify Abort or Delay/ },
  { name: 'router fault percentage', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { FaultInjection: { Delay: { Duration: 10, Percentage: 101 } } } }] }, message: /FaultInjection\.Delay\.Percentage must be between 0 and 100, got 101/ },
  { name: 'router fault status', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { FaultInjection: { Abort: { HttpStatus: 99, Percentage: 5 } } } }] }, message: /FaultInjection\.Abort\.HttpStatus must be an HTTP status between 200 and 599, got 99/ },
  { name: 'router fault grpc status', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { FaultInjection: { Abort: { GrpcStatus: 17, Percentage: 5 } } } }] }, message: /FaultInjection\.Abort\.GrpcStatus must be a gRPC status code between 0 and 16, got 17/ },
  { name: 'router fault both statuses', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { FaultInjection: { Abort: { GrpcStatus: 14, HttpStatus: 503, Percentage: 5 } } } }] }, message: /must set HttpStatus or GrpcStatus, not both/ },
  { name: 'router fault delay', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { FaultInjection: { Delay: { Duration: -1, Percentage: 5 } } } }] }, message: /FaultInjection\.Delay\.Duration must be >= 0/ },
  { name: 'fault extension percentage', entry: { Kind: 'service-defaults', Name: 'web', EnvoyExtensions: [{ Name: 'builtin/fault-injection', Arguments: { Config: { Abort: { HttpStatus: 503, Percentage: 120 } } } }] }, message: /EnvoyExtensions\[0\] \(builtin\/fault-injection\) FaultInjection\.Abort\.Percentage must be between 0 and 100, got 120/ },
  { name: 'fault extension without config', entry: { Kind: 'service-defaults', Name: 'web', EnvoyExtensions: [{ Name: 'builtin/fault-injection', Arguments: {} }] }, message: /Arguments\.Config is required/ },
  { name: 'router fault type', entry: { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { FaultInjection: { Abort: { HttpStatus: 'x' } } } }] }, message: /Request decode failed: Route\[0\]\.Destination\.FaultInjection\.Abort\.HttpStatus: expected a number/ },
];

for (const row of invalidTable) {
  test(`validate refuses: ${row.name}`, (t) => {
    const error = t.throws(() => validateConfigEntry(e(row.entry)));
    t.regex(error?.message ?? '', row.message);
  });
}

test('validate accepts a route FaultInjection (any key case)', (t) => {
  const entry = validateConfigEntry(e({ Kind: 'service-router', Name: 'w', Routes: [{ Destination: { fault_injection: { abort: { http_status: 503, percentage: 20 }, delay: { duration: 200, percentage: 30 } } } }] }));
  t.deepEqual((entry.Routes as { Destination: unknown }[])[0]?.Destination, { FaultInjection: { Abort: { HttpStatus: 503, Percentage: 20 }, Delay: { Duration: 200, Percentage: 30 } } });
});

test('validate normalises: protocol and actions lower-cased, methods upper-cased, durations as Go text, Type consul', (t) => {
  t.is(validateConfigEntry(e({ Kind: 'service-defaults', Name: 'w', Protocol: 'HTTP' })).Protocol, 'http');
  const intentions = validateConfigEntry(e({ Kind: 'service-intentions', Name: 'w', Sources: [{ Name: 'a', Action: 'ALLOW' }, { Name: 'b', Permissions: [{ Action: 'Deny', HTTP: { Methods: ['get'] } }] }] }));
  t.deepEqual(intentions.Sources, [
    { Name: 'a', Action: 'allow', Type: 'consul' },
    { Name: 'b', Type: 'consul', Permissions: [{ Action: 'deny', HTTP: { Methods: ['GET'] } }] },
  ]);
  t.is(validateConfigEntry(e({ Kind: 'service-resolver', Name: 'w', ConnectTimeout: 3_000_000_000 })).ConnectTimeout, '3s');
  t.notThrows(() => validateConfigEntry(e({ Kind: 'service-splitter', Name: 'w', Splits: [{ Weight: 33.33 }, { Weight: 33.33, Service: 'x' }, { Weight: 33.34, Service: 'y' }] })));
});

const upsert = (entry: Record<string, unknown>, casIndex: number | null = null): ConfigEntryCommand => ({ type: CommandType.ConfigEntry, op: 'upsert', entry: e(entry), casIndex });
const remove = (kind: 'service-defaults' | 'service-router', name: string, casIndex: number | null = null): ConfigEntryCommand => ({ type: CommandType.ConfigEntry, op: 'delete', kind, name, casIndex });

test('store: upsert keeps CreateIndex; ?cas=0 only creates; a stale cas and a cas delete answer false', (t) => {
  const h = new Harness();
  const results = [
    h.apply(upsert({ Kind: 'service-defaults', Name: 'web', Protocol: 'http' }, 0)),
    h.apply(upsert({ Kind: 'service-defaults', Name: 'web', Protocol: 'grpc' }, 0)),
    h.apply(upsert({ Kind: 'service-defaults', Name: 'web', Protocol: 'http2' }, 1)),
    h.apply(upsert({ Kind: 'service-defaults', Name: 'web', Protocol: 'tcp' }, 1)),
    h.apply(remove('service-defaults', 'web', 1)),
    h.apply(remove('service-defaults', 'web', 3)),
  ];
  t.deepEqual(results.map((result) => result.ok && result.value), [true, false, true, false, false, true]);
  t.is(getConfigEntry(h.store, 'service-defaults', 'web'), undefined);
  t.is(h.store.maxIndex([watchKeys.configEntry('service-defaults', 'web')]), 6);
  h.ok(upsert({ Kind: 'service-defaults', Name: 'web', Protocol: 'http' }));
  h.ok(upsert({ Kind: 'service-defaults', Name: 'web', Protocol: 'grpc' }));
  const row = getConfigEntry(h.store, 'service-defaults', 'web');
  t.deepEqual([row?.CreateIndex, row?.ModifyIndex, row?.Protocol], [7, 8, 'grpc']);
});

test('store: a router needs an L7 protocol, and a protocol change may not strand a router', (t) => {
  const h = new Harness();
  t.regex(h.fail(upsert({ Kind: 'service-router', Name: 'web', Routes: [] })).message, /discovery chain "web" uses a protocol "tcp" that does not permit advanced routing or splitting behavior/);
  t.is(getConfigEntry(h.store, 'service-router', 'web'), undefined, 'the refused write left nothing');
  h.ok(upsert({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }));
  h.ok(upsert({ Kind: 'service-router', Name: 'web', Routes: [] }));
  t.regex(h.fail(upsert({ Kind: 'service-defaults', Name: 'web', Protocol: 'tcp' })).message, /uses a protocol "tcp"/);
  t.regex(h.fail(upsert({ Kind: 'proxy-defaults', Name: 'global', Config: {} })).message, /uses a protocol "tcp"/);
  h.ok(remove('service-router', 'web'));
  h.ok(upsert({ Kind: 'service-defaults', Name: 'web', Protocol: 'tcp' }));
});

test('store: L7 intention permissions need an http-like destination protocol', (t) => {
  const h = new Harness();
  const l7 = { Kind: 'service-intentions', Name: 'db', Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }] };
  t.regex(h.fail(upsert(l7)).message, /service "db" has protocol "tcp", which is incompatible with L7 intentions permissions/);
  h.ok(upsert({ Kind: 'service-intentions', Name: 'db', Sources: [{ Name: 'web', Action: 'allow' }] }));
  h.ok(upsert({ Kind: 'service-defaults', Name: 'db', Protocol: 'http' }));
  h.ok(upsert(l7));
  t.regex(h.fail(remove('service-defaults', 'db')).message, /incompatible with L7 intentions permissions/);
});

test('store: every chain that reaches a changed entry is compiled; cycles, missing subsets and mixed protocols are refused', (t) => {
  const h = new Harness();
  h.ok(upsert({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }));
  // Splitter loop: a → b → a (each split to another service's splitter).
  h.ok(upsert({ Kind: 'service-splitter', Name: 'a', Splits: [{ Weight: 50, Service: 'b' }, { Weight: 50 }] }));
  const loop = h.fail(upsert({ Kind: 'service-splitter', Name: 'b', Splits: [{ Weight: 100, Service: 'a' }] }));
  t.regex(loop.message, /^detected circular reference: \[splitter:b\.default\.default -> splitter:a\.default\.default -> splitter:b\.default\.default\]$/);
  t.is(getConfigEntry(h.store, 'service-splitter', 'b'), undefined);
  // Redirect loop: x → y → x.
  h.ok(upsert({ Kind: 'service-resolver', Name: 'x', Redirect: { Service: 'y' } }));
  const redirect = h.fail(upsert({ Kind: 'service-resolver', Name: 'y', Redirect: { Service: 'x' } }));
  t.regex(redirect.message, /^detected circular resolver redirect: \[y\.default\.default\.dc1 -> x\.default\.default\.dc1 -> y\.default\.default\.dc1\]$/);
  // A router sending to a subset the resolver does not define.
  t.regex(h.fail(upsert({ Kind: 'service-router', Name: 'web', Routes: [{ Destination: { ServiceSubset: 'v9' } }] })).message, /^service "web" does not have a subset named "v9"$/);
  // Mixed protocols along one chain, and a protocol change on a service another chain reaches.
  h.ok(upsert({ Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/api' } }, Destination: { Service: 'api' } }] }));
  t.regex(h.fail(upsert({ Kind: 'service-defaults', Name: 'api', Protocol: 'grpc' })).message, /^discovery chain "web" uses inconsistent protocols; service "api" has "grpc" which is not "http"$/);
});
