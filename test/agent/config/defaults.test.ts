// Goal: with no files, the RuntimeConfig holds Consul's defaults (agent/config/default.go), and
// -dev adds Consul's DevSource on top; the result is frozen.
// Method: load bare command lines on a pinned host and compare whole sections.

import test from 'ava';
import { load } from './helpers.js';

test('-dev: an in-memory server on loopback that elects itself, UI, mesh and gRPC on', async (t) => {
  const { config, warnings } = await load(['-dev']);
  t.deepEqual(warnings, []);
  t.true(config.devMode);
  t.true(config.serverMode);
  t.true(config.bootstrap);
  t.is(config.bootstrapExpect, 0);
  t.is(config.dataDir, '', 'no data dir needed');
  t.is(config.nodeName, 'test-node', 'the host name');
  t.is(config.bindAddr, '127.0.0.1');
  t.is(config.advertiseAddrLan, '127.0.0.1');
  t.is(config.advertiseAddrWan, '127.0.0.1');
  t.deepEqual(config.clientAddrs, ['127.0.0.1']);
  t.deepEqual(config.taggedAddresses, { lan: '127.0.0.1', lan_ipv4: '127.0.0.1', wan: '127.0.0.1', wan_ipv4: '127.0.0.1' });
  t.true(config.uiConfig.enabled);
  t.is(config.uiConfig.contentPath, '/ui/');
  t.true(config.connect.enabled);
  t.deepEqual(config.ports, { dns: 8600, http: 8500, https: -1, grpc: 8502, grpcTls: 8503, serfLan: 8301, serfWan: 8302, server: 8300 });
  t.is(config.logLevel, 'debug');
  t.true(config.enableDebug);
  t.is(config.raftMultiplier, 1);
  t.false(config.leaveOnTerminate, 'servers do not leave on SIGTERM');
  t.true(config.skipLeaveOnInterrupt);
});

test('-dev values yield to files and flags', async (t) => {
  const { config } = await load(['-dev', '-log-level', 'info', '-bind', '127.0.0.2', '-grpc-port', '-1']);
  t.is(config.logLevel, 'info');
  t.is(config.bindAddr, '127.0.0.2');
  t.is(config.advertiseAddrLan, '127.0.0.2');
  t.is(config.ports.grpc, -1);
  t.deepEqual(config.listenAddresses.grpc, []);
});

test('a client agent gets Consul\'s defaults', async (t) => {
  const { config, warnings } = await load(['-data-dir', '/tmp/taxiway-config-test-none']);
  t.deepEqual(warnings, []);
  t.false(config.devMode);
  t.false(config.serverMode);
  t.false(config.bootstrap);
  t.is(config.datacenter, 'dc1');
  t.is(config.primaryDatacenter, 'dc1');
  t.is(config.nodeName, 'test-node');
  t.is(config.nodeId, '');
  t.true(config.disableHostNodeId);
  t.is(config.bindAddr, '0.0.0.0');
  t.is(config.advertiseAddrLan, '10.0.0.5', 'the one private IPv4 address of the host');
  t.deepEqual(config.ports, { dns: 8600, http: 8500, https: -1, grpc: -1, grpcTls: -1, serfLan: 8301, serfWan: 8302, server: 8300 });
  t.deepEqual(config.listenAddresses, { dns: ['127.0.0.1'], http: ['127.0.0.1'], https: [], grpc: [], grpcTls: [] });
  t.is(config.logLevel, 'info');
  t.is(config.dnsDomain, 'consul.');
  t.deepEqual(config.dnsConfig, {
    allowStale: true,
    maxStaleMs: 87_600 * 3_600_000,
    nodeTtlMs: 0,
    serviceTtlMs: {},
    onlyPassing: false,
    enableTruncate: false,
    udpAnswerLimit: 3,
    aRecordLimit: 0,
    recursorTimeoutMs: 2000,
    enableAdditionalNodeMetaTxt: true,
    soa: { refreshSeconds: 3600, retrySeconds: 600, expireSeconds: 86400, minTtlSeconds: 0 },
  });
  t.is(config.retryIntervalMs, 30_000);
  t.is(config.retryIntervalWanMs, 30_000);
  t.is(config.checkUpdateIntervalMs, 5 * 60_000);
  t.true(config.leaveOnTerminate, 'clients leave on SIGTERM');
  t.false(config.skipLeaveOnInterrupt);
  t.true(config.encryptVerifyIncoming);
  t.deepEqual(config.limits, { httpMaxConnsPerClient: 200, kvMaxValueBytes: 512 * 1024, txnMaxRequestBytes: 512 * 1024 });
  t.is(config.raftMultiplier, 5);
  t.deepEqual(config.acl.defaultPolicy, 'allow');
  t.false(config.acl.enabled);
  t.true(config.connect.enabled, 'Consul ≥ 1.14 enables the mesh by default');
  t.false(config.uiConfig.enabled);
  t.deepEqual(config.services, []);
  t.deepEqual(config.sources, []);
});

test('a server defaults the gRPC-TLS port to 8503 and primary_datacenter to its datacenter', async (t) => {
  const { config } = await load(['-server', '-data-dir', '/tmp/taxiway-config-test-none', '-datacenter', 'eu']);
  t.is(config.ports.grpcTls, 8503);
  t.is(config.primaryDatacenter, 'eu');
});

test('the RuntimeConfig is deeply frozen', async (t) => {
  const { config } = await load(['-dev', '-hcl', 'services { name = "web" tags = ["a"] }']);
  t.true(Object.isFrozen(config));
  t.true(Object.isFrozen(config.ports));
  t.true(Object.isFrozen(config.dnsConfig.soa));
  t.true(Object.isFrozen(config.services[0]?.Tags));
  t.throws(() => {
    (config.ports as { http: number }).http = 1;
  });
});
