// Goal: an upstream's effective Config is Consul's merge of centralized config: the downstream's
// service-defaults UpstreamConfig Defaults, then the Override named for the upstream, then the
// upstream service's EnvoyExtensions, then the registration's own Config (which wins key by key);
// Consul's field names become the upstream Config keys. Method: table test of the pure merge.

import test from 'ava';
import { circuitLimitsOf, outlierPolicyOf } from '../../src/proxy/l7/policy.js';
import { mergeUpstreamConfig } from '../../src/proxy/upstream-defaults.js';

const web = {
  Kind: 'service-defaults',
  Name: 'web',
  UpstreamConfig: {
    Defaults: { ConnectTimeoutMs: 2000, Limits: { MaxConnections: 10, MaxPendingRequests: 5 }, PassiveHealthCheck: { Interval: '5s', MaxFailures: 3 } },
    Overrides: [{ Name: 'api', Limits: { MaxConcurrentRequests: 7 } }, { Name: 'db', Protocol: 'tcp' }],
  },
};

test('merge: Defaults < Override by name < upstream EnvoyExtensions < registration Config', (t) => {
  const api = mergeUpstreamConfig(web, 'api', {}, [{ Name: 'builtin/fault-injection' }]);
  t.deepEqual(api, {
    connect_timeout_ms: 2000,
    limits: { max_concurrent_requests: 7 },
    passive_health_check: { interval: '5s', max_failures: 3 },
    envoy_extensions: [{ Name: 'builtin/fault-injection' }],
  });
  t.like(circuitLimitsOf(api), { maxConcurrentRequests: 7, maxConnections: 0 });
  t.like(outlierPolicyOf(api), { consecutive5xx: 3, intervalMs: 5000 });
  const other = mergeUpstreamConfig(web, 'cache', { limits: { max_connections: 1 } });
  t.deepEqual(other.limits, { max_connections: 1 }, 'the registration replaces the central block whole');
  t.deepEqual(other.passive_health_check, { interval: '5s', max_failures: 3 });
  t.deepEqual(mergeUpstreamConfig(undefined, 'api', { a: 1 }), { a: 1 });
  t.is(mergeUpstreamConfig(web, 'db', {}).protocol, 'tcp');
});
