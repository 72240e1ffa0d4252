// Goal: Consul-style config files load in JSON and HCL, directories load in Consul's order, and
// sources merge by Consul's rules (scalars: later wins; lists append; maps overlay).
// Method: real files in a temp directory, loaded through the same path as `taxiway agent`.

import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, loadRuntimeConfig, reloadRuntimeConfig } from '../../../src/agent/config/index.js';
import { configDir, load, loadError, parseAgentArgs, testHost } from './helpers.js';

const jsonConfig = JSON.stringify({
  datacenter: 'east',
  node_name: 'json-node',
  server: true,
  bootstrap_expect: 3,
  data_dir: '/var/lib/taxiway-test-none',
  bind_addr: '10.0.0.5',
  client_addr: '127.0.0.1 ::1',
  ports: { http: 18500, grpc: 18502 },
  addresses: { http: '0.0.0.0' },
  retry_join: ['10.0.0.1', 'provider=aws tag_key=x'],
  node_meta: { rack: 'r1' },
  acl: { enabled: true, default_policy: 'deny', tokens: { agent: 'agent-token', master: 'boot-token' } },
  connect: { ca_provider: 'consul', ca_config: { leaf_cert_ttl: '72h', custom: 1 } },
  ui_config: { enabled: true, content_path: 'dashboard' },
  dns_config: { node_ttl: '10s', service_ttl: { '*': '5s', 'web*': '1m' }, only_passing: true, soa: { min_ttl: 30 } },
  limits: { http_max_conns_per_client: 50 },
  performance: { raft_multiplier: 2 },
  enable_script_checks: true,
  acl_unknown_thing: 1,
  services: [{ Name: 'web', Port: 80, Tags: ['v1'], Check: { HTTP: 'http://localhost/health', Interval: '10s' } }],
});

test('a JSON file sets Consul keys, CamelCase service definitions included', async (t) => {
  const dir = await configDir(t, { 'agent.json': jsonConfig });
  const file = join(dir, 'agent.json');
  const { config, warnings } = await load(['-config-file', file]);
  t.is(config.datacenter, 'east');
  t.is(config.nodeName, 'json-node');
  t.is(config.bootstrapExpect, 3);
  t.deepEqual(config.clientAddrs, ['127.0.0.1', '::1']);
  t.deepEqual(config.listenAddresses.http, ['0.0.0.0']);
  t.deepEqual(config.listenAddresses.dns, ['127.0.0.1', '::1']);
  t.deepEqual(config.listenAddresses.grpc, ['127.0.0.1', '::1']);
  t.is(config.ports.http, 18500);
  t.deepEqual(config.retryJoin, ['10.0.0.1', 'provider=aws tag_key=x']);
  t.deepEqual(config.acl, {
    enabled: true,
    defaultPolicy: 'deny',
    downPolicy: 'extend-cache',
    tokens: { initialManagement: 'boot-token', default: '', agent: 'agent-token', agentRecovery: '', replication: '', configFileServiceRegistration: '', dns: '' },
  });
  t.deepEqual(config.connect, { enabled: true, caProvider: 'consul', caConfig: { LeafCertTTL: '72h', custom: 1 }, defaultIntentionPolicy: '' });
  t.deepEqual(config.uiConfig, { enabled: true, dir: '', contentPath: '/dashboard/' });
  t.is(config.dnsConfig.nodeTtlMs, 10_000);
  t.deepEqual(config.dnsConfig.serviceTtlMs, { '*': 5000, 'web*': 60_000 });
  t.true(config.dnsConfig.onlyPassing);
  t.is(config.dnsConfig.soa.minTtlSeconds, 30);
  t.is(config.dnsConfig.soa.refreshSeconds, 3600);
  t.is(config.limits.httpMaxConnsPerClient, 50);
  t.is(config.raftMultiplier, 2);
  t.true(config.enableLocalScriptChecks, 'follows enable_script_checks when unset');
  t.is(config.services.length, 1);
  t.is(config.services[0]?.Name, 'web');
  t.is(config.services[0]?.Check?.Interval, 10_000);
  t.deepEqual(config.sources, [file]);
  t.deepEqual(warnings, [`${file}: unknown key "acl_unknown_thing" (ignored)`, 'bootstrap_expect > 0: expecting 3 servers']);
});

const hclConfig = `
datacenter = "west"
node_name  = "hcl-node"
data_dir   = "/var/lib/taxiway-test-none"
server     = true
bootstrap  = true
ports {
  http = 18500
  dns  = -1
}
node_meta {
  rack = "r2"
}
acl {
  enabled = true
  tokens {
    agent = "a"
  }
}
dns_config {
  service_ttl {
    "*" = "5s"
  }
  recursor_timeout = "500ms"
}
service {
  name = "db"
  port = 5432
  check {
    tcp      = "localhost:5432"
    interval = "10s"
  }
}
services {
  name = "cache"
}
services {
  name = "queue"
}
check {
  id  = "mem"
  ttl = "30s"
}
`;

test('an HCL file sets the same keys; blocks become objects, repeated blocks lists', async (t) => {
  const dir = await configDir(t, { 'agent.hcl': hclConfig });
  const { config, warnings } = await load(['-config-file', join(dir, 'agent.hcl')]);
  t.is(config.datacenter, 'west');
  t.is(config.nodeName, 'hcl-node');
  t.true(config.bootstrap);
  t.is(config.ports.http, 18500);
  t.is(config.ports.dns, -1);
  t.deepEqual(config.listenAddresses.dns, [], 'a disabled listener binds nothing');
  t.deepEqual(config.nodeMeta, { rack: 'r2' });
  t.is(config.acl.tokens.agent, 'a');
  t.deepEqual(config.dnsConfig.serviceTtlMs, { '*': 5000 });
  t.is(config.dnsConfig.recursorTimeoutMs, 500);
  // Consul appends the single `service` after the `services` list.
  t.deepEqual(config.services.map((service) => service.Name), ['cache', 'queue', 'db']);
  t.is(config.services[2]?.Check?.TCP, 'localhost:5432');
  t.is(config.checks[0]?.CheckID, 'mem');
  t.is(config.checks[0]?.TTL, 30_000);
  t.deepEqual(warnings, ['bootstrap = true: do not enable unless necessary']);
});

test('-config-dir loads *.json and *.hcl in lexical order, skipping other files and subdirectories', async (t) => {
  const dir = await configDir(t, {
    'b.json': '{"node_name": "from-b", "retry_join": ["b"]}',
    'a.hcl': 'node_name = "from-a"\nretry_join = ["a"]\ndata_dir = "/tmp/taxiway-none"',
    'B.json': '{"retry_join": ["B"]}',
    'notes.txt': 'not config',
    'sub/c.json': '{"node_name": "from-sub"}',
  });
  const { config, warnings } = await load(['-config-dir', dir]);
  t.is(config.nodeName, 'from-b', 'the last file in name order wins');
  t.deepEqual(config.retryJoin, ['B', 'a', 'b'], 'byte order: upper case first; lists append');
  t.deepEqual(config.sources, [join(dir, 'B.json'), join(dir, 'a.hcl'), join(dir, 'b.json')]);
  t.deepEqual(warnings, [`skipping file ${join(dir, 'notes.txt')}, extension must be .hcl or .json`]);
});

test('precedence: defaults < files in the order given < flags < -hcl; list flags come first', async (t) => {
  const dir = await configDir(t, {
    'one.json': '{"node_name": "one", "log_level": "warn", "retry_join": ["file-1"], "node_meta": {"a": "1", "b": "1"}, "data_dir": "/tmp/taxiway-none"}',
    'two.hcl': 'node_name = "two"\nretry_join = ["file-2"]\nnode_meta { b = "2" }',
  });
  const files = ['-config-file', join(dir, 'one.json'), '-config-file', join(dir, 'two.hcl')];
  const fromFiles = (await load(files)).config;
  t.is(fromFiles.nodeName, 'two');
  t.is(fromFiles.logLevel, 'warn');
  t.is(fromFiles.ports.http, 8500, 'defaults fill what no source sets');
  t.deepEqual(fromFiles.nodeMeta, { a: '1', b: '2' }, 'maps overlay key by key');

  const withFlags = (await load([...files, '-node', 'flag', '-retry-join', 'flag-join', '-node-meta', 'c:3'])).config;
  t.is(withFlags.nodeName, 'flag');
  t.deepEqual(withFlags.retryJoin, ['flag-join', 'file-1', 'file-2'], 'Consul merges list flags before the files');
  t.deepEqual(withFlags.nodeMeta, { a: '1', b: '2', c: '3' });

  const withHcl = (await load([...files, '-node', 'flag', '-hcl', 'node_name = "hcl"'])).config;
  t.is(withHcl.nodeName, 'hcl');
});

test('services and checks from several files append', async (t) => {
  const dir = await configDir(t, {
    '1.json': '{"data_dir": "/tmp/taxiway-none", "service": {"name": "a"}, "checks": [{"id": "c1", "ttl": "10s"}]}',
    '2.json': '{"services": [{"name": "b", "enable_tag_override": true}], "check": {"id": "c2", "ttl": "10s"}}',
  });
  const { config } = await load(['-config-dir', dir]);
  t.deepEqual(config.services.map((service) => service.Name), ['a', 'b']);
  t.true(config.services[1]?.EnableTagOverride);
  t.deepEqual(config.checks.map((check) => check.CheckID), ['c1', 'c2']);
});

test('an empty file is no configuration', async (t) => {
  const dir = await configDir(t, { 'empty.json': '  \n', 'empty.hcl': '' });
  const { config } = await load(['-dev', '-config-dir', dir]);
  t.is(config.nodeName, 'test-node');
  t.is(config.sources.length, 2);
});

test('syntax errors name the file and, when known, the line and column', async (t) => {
  const dir = await configDir(t, { 'bad.hcl': 'ports {\n  http = }', 'bad.json': '{"a": 1,}', 'list.json': '[1]' });
  t.is(await loadError(t, ['-config-file', join(dir, 'bad.hcl')]), `${join(dir, 'bad.hcl')}: line 2, column 11: expected valid HCL, got a syntax error: object expected closing RBRACE got: EOF`);
  t.is(
    await loadError(t, ['-config-file', join(dir, 'bad.json')]),
    `${join(dir, 'bad.json')}: line 1, column 9: expected valid JSON, got a syntax error: Expected double-quoted property name in JSON at position 8`,
  );
  t.is(await loadError(t, ['-config-file', join(dir, 'list.json')]), `${join(dir, 'list.json')}: (top level): expected an object of config keys, got a list`);
});

test('a missing config path names the flag and the path', async (t) => {
  const dir = await configDir(t, {});
  const missing = join(dir, 'nope.json');
  t.is(await loadError(t, ['-config-file', missing]), `command line: -config-file: expected a readable config file or directory, got "${missing}" (ENOENT)`);
  t.is(await loadError(t, ['-config-dir', join(dir, 'nope.d')]), `command line: -config-dir: expected a readable config file or directory, got "${join(dir, 'nope.d')}" (ENOENT)`);
});

test('unknown keys warn with the file and the full path, and are ignored', async (t) => {
  const dir = await configDir(t, { 'x.json': '{"dev_mode": true, "ports": {"bogus": 1}, "services": [{"name": "w", "colour": "red"}], "data_dir": "/tmp/taxiway-none"}' });
  const file = join(dir, 'x.json');
  const { warnings } = await load(['-config-file', file]);
  t.deepEqual(warnings, [
    `${file}: unknown key "dev_mode" (ignored)`,
    `${file}: unknown key "ports.bogus" (ignored)`,
    `${file}: unknown key "services[0].colour" (ignored)`,
  ]);
});

test('reload re-reads the same files; a broken file throws and leaves the caller with the old config', async (t) => {
  const dir = await configDir(t, { 'a.json': '{"node_name": "before", "data_dir": "/tmp/taxiway-none"}' });
  const options = { flags: parseAgentArgs(['-config-dir', dir]), host: testHost };
  const first = await loadRuntimeConfig(options);
  await writeFile(join(dir, 'a.json'), '{"node_name": "after", "data_dir": "/tmp/taxiway-none", "log_level": "debug"}');
  const second = await reloadRuntimeConfig(options);
  t.is(first.config.nodeName, 'before');
  t.is(second.config.nodeName, 'after');
  t.is(second.config.logLevel, 'debug');
  await writeFile(join(dir, 'a.json'), '{"ports": {"http": "many"}}');
  const error = await t.throwsAsync(reloadRuntimeConfig(options), { instanceOf: ConfigError });
  t.is(error?.message, `${join(dir, 'a.json')}: ports.http: expected an integer, got "many"`);
});
