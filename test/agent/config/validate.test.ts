// Goal: every invalid setting stops the agent with one exact line naming the source, the key
// and what was expected; the values Consul normalises come out normalised.
// Method: table of command lines → expected ConfigError message, plus file-sourced cases.

import test from 'ava';
import { join } from 'node:path';
import { configDir, load, loadError, tempDir, twoAddressHost } from './helpers.js';

/** A client agent with a data dir that does not exist (allowed: the agent creates it). */
const base = ['-data-dir', '/tmp/taxiway-config-test-none'];

const flagCases: { name: string; args: string[]; message: string }[] = [
  {
    name: 'datacenter with a space',
    args: [...base, '-datacenter', 'dc 1'],
    message: 'command line: -datacenter: expected a name of lowercase letters, digits, "-" and "_", got "dc 1"',
  },
  {
    name: 'primary datacenter with a dot',
    args: [...base, '-hcl', 'primary_datacenter = "dc.1"'],
    message: '-hcl #1: primary_datacenter: expected a name of lowercase letters, digits, "-" and "_", got "dc.1"',
  },
  { name: 'port above 65535', args: [...base, '-http-port', '70000'], message: 'command line: -http-port: expected a port from 1 to 65535 or -1, got 70000' },
  { name: 'port below -1', args: [...base, '-dns-port=-2'], message: 'command line: -dns-port: expected a port from 1 to 65535 or -1, got -2' },
  { name: 'server port off', args: [...base, '-server-port', '-1'], message: 'command line: -server-port: expected a port from 1 to 65535, got -1' },
  { name: 'port not a number', args: [...base, '-grpc-port', 'x'], message: 'command line: -grpc-port: expected an integer, got "x"' },
  {
    name: 'two listeners on one port',
    args: [...base, '-http-port', '8600'],
    message: 'command line: -http-port: expected a port no other listener uses, got 8600 (the HTTP address 127.0.0.1:8600 is already the DNS address)',
  },
  { name: 'bind not an IP', args: [...base, '-bind', 'eth0'], message: 'command line: -bind: expected one IP address, got "eth0"' },
  { name: 'bind two IPs', args: [...base, '-bind', '10.0.0.1 10.0.0.2'], message: 'command line: -bind: expected one IP address, got "10.0.0.1 10.0.0.2"' },
  {
    name: 'bind template',
    args: [...base, '-bind', '{{ GetPrivateIP }}'],
    message: 'command line: -bind: expected one IP address (go-sockaddr templates are not supported), got "{{ GetPrivateIP }}"',
  },
  {
    name: 'advertise any',
    args: [...base, '-advertise', '0.0.0.0'],
    message: 'command line: -advertise: expected an address other agents can reach (not 0.0.0.0 or ::), got "0.0.0.0"',
  },
  { name: 'advertise WAN not an IP', args: [...base, '-advertise-wan', 'host.example'], message: 'command line: -advertise-wan: expected an IP address, got "host.example"' },
  { name: 'client list with a name', args: [...base, '-client', '127.0.0.1 localhost'], message: 'command line: -client: expected space-separated IP addresses, got "localhost"' },
  {
    name: 'client unix socket',
    args: [...base, '-client', 'unix:///tmp/s'],
    message: 'command line: -client: expected space-separated IP addresses, got "unix:///tmp/s" (unix sockets are not supported)',
  },
  {
    name: 'node id not a UUID',
    args: [...base, '-node-id', 'abc'],
    message: 'command line: -node-id: expected a UUID such as "adf4238a-882b-9ddc-4a9d-5b6758e4159e", got "abc"',
  },
  {
    name: 'bootstrap and bootstrap_expect',
    args: [...base, '-server', '-bootstrap', '-bootstrap-expect', '3'],
    message: 'command line: -bootstrap-expect: expected either bootstrap or bootstrap_expect (they are mutually exclusive), got bootstrap and bootstrap_expect 3',
  },
  {
    name: 'bootstrap_expect on a client',
    args: [...base, '-bootstrap-expect', '3'],
    message: 'command line: -bootstrap-expect: expected server mode for bootstrap_expect (-server or server = true), got a client agent expecting 3 servers',
  },
  { name: 'bootstrap on a client', args: [...base, '-bootstrap'], message: 'command line: -bootstrap: expected server mode for bootstrap (-server or server = true), got a client agent' },
  {
    name: 'bootstrap_expect 1 on a client (it means bootstrap)',
    args: [...base, '-bootstrap-expect=1'],
    message: 'command line: -bootstrap-expect: expected server mode for bootstrap (-server or server = true), got a client agent',
  },
  { name: 'negative bootstrap_expect', args: [...base, '-server', '-bootstrap-expect=-1'], message: 'command line: -bootstrap-expect: expected 0 or more servers, got -1' },
  {
    name: 'bootstrap_expect in dev mode',
    args: ['-dev', '-bootstrap-expect', '3'],
    message: 'command line: -bootstrap-expect: expected no bootstrap_expect in -dev mode (a dev server elects itself), got 3',
  },
  {
    name: 'encrypt key not base64',
    args: [...base, '-encrypt', 'not-base64!'],
    message: 'command line: -encrypt: expected a base64-encoded key of 16, 24 or 32 bytes, got 11 characters that are not base64',
  },
  {
    name: 'encrypt key of the wrong size',
    args: [...base, '-encrypt', Buffer.alloc(10).toString('base64')],
    message: 'command line: -encrypt: expected a base64-encoded key of 16, 24 or 32 bytes, got 10 bytes',
  },
  { name: 'log level', args: [...base, '-log-level', 'loud'], message: 'command line: -log-level: expected one of trace, debug, info, warn, error, got "loud"' },
  {
    name: 'duration without a unit',
    args: [...base, '-retry-interval', '30'],
    message: 'command line: -retry-interval: expected a duration such as "30s" or "1m30s" (a number needs a unit: "30s", "5m", "1h"), got "30"',
  },
  { name: 'negative duration', args: [...base, '-retry-interval', '-5s'], message: 'command line: -retry-interval: expected a duration such as "30s" or "1m30s", got "-5s"' },
  {
    name: 'recursor host name',
    args: [...base, '-recursor', '8.8.8.8', '-recursor', 'dns.example'],
    message: 'command line: -recursor: expected a recursor IP address with an optional port such as "8.8.8.8" or "[2001:db8::1]:53", got "dns.example"',
  },
  {
    name: 'recursor port out of range',
    args: [...base, '-recursor', '8.8.8.8:70000'],
    message: 'command line: -recursor: expected a recursor IP address with an optional port such as "8.8.8.8" or "[2001:db8::1]:53", got "8.8.8.8:70000"',
  },
  {
    name: 'alt domain that shadows a query',
    args: [...base, '-alt-domain', 'service.example'],
    message: 'command line: -alt-domain: expected a domain not starting with service., connect., node., query., addr. or dc1., got "service.example"',
  },
  { name: 'domain with a space', args: [...base, '-domain', 'my domain'], message: 'command line: -domain: expected a DNS domain such as "consul.", got "my domain"' },
  {
    name: 'reserved node meta key',
    args: [...base, '-node-meta', 'consul-version:1'],
    message: 'command line: -node-meta: expected a key not starting with "consul-" (reserved for internal use), got "consul-version"',
  },
  {
    name: 'no data dir',
    args: ['-server'],
    message: 'configuration: data_dir: expected a data directory (-data-dir or data_dir; only -dev runs without one), got nothing',
  },
  {
    name: 'ACL default policy',
    args: [...base, '-hcl', 'acl { default_policy = "maybe" }'],
    message: '-hcl #1: acl.default_policy: expected one of allow, deny, got "maybe"',
  },
  {
    name: 'default intention policy',
    args: [...base, '-hcl', 'default_intention_policy = "maybe"'],
    message: '-hcl #1: default_intention_policy: expected one of allow, deny, got "maybe"',
  },
  {
    name: 'CA provider other than consul',
    args: [...base, '-hcl', 'connect { ca_provider = "vault" }'],
    message: '-hcl #1: connect.ca_provider: expected "consul" (taxiway has only the built-in CA), got "vault"',
  },
  {
    name: 'raft multiplier',
    args: [...base, '-hcl', 'performance { raft_multiplier = 11 }'],
    message: '-hcl #1: performance.raft_multiplier: expected an integer from 1 to 10, got 11',
  },
  {
    name: 'UI content path that is an API version',
    args: [...base, '-ui-content-path', '/v1/'],
    message: 'command line: -ui-content-path: expected a URL path of letters, digits, "-", "_" and "/" that is not an API version like /v1/, got "/v1/"',
  },
];

for (const { name, args, message } of flagCases) {
  test(`rejects ${name}`, async (t) => {
    t.is(await loadError(t, args), message);
  });
}

test('binding to 0.0.0.0 on a host with two private addresses asks for -advertise', async (t) => {
  t.is(
    await loadError(t, base, twoAddressHost),
    'defaults: bind_addr: binding to 0.0.0.0 needs an address to advertise: expected one private IPv4 address on this host to advertise, found 2 (10.0.0.5, 192.168.1.7); set -advertise (advertise_addr) or -bind (bind_addr)',
  );
  const { config } = await load([...base, '-advertise', '192.168.1.7'], twoAddressHost);
  t.is(config.advertiseAddrLan, '192.168.1.7');
  t.is(config.bindAddr, '0.0.0.0');
});

test('errors in files name the file path (the issue example)', async (t) => {
  const dir = await configDir(t, {
    'a.hcl': 'ports {\n  http = 70000\n}\ndata_dir = "/tmp/taxiway-none"',
    'types.json': '{"server": "yes"}',
    'service.json': '{"services": [{"port": 80}]}',
    'check.hcl': 'check {\n  http = "http://localhost/health"\n}',
    'nested.json': '{"service": {"name": "web", "checks": [{"ttl": "10s", "interval": "10s"}]}}',
    'ttl.json': '{"dns_config": {"service_ttl": {"web*": "soon"}}}',
    'meta.json': '{"node_meta": {"bad key": "v"}}',
  });
  const expectations: [string, string][] = [
    ['a.hcl', 'ports.http: expected a port from 1 to 65535 or -1, got 70000'],
    ['types.json', 'server: expected true or false, got "yes"'],
    ['service.json', 'services[0].name: expected a service name, got nothing'],
    [
      'check.hcl',
      'check.interval: expected an interval greater than 0 for script, http, tcp, udp, grpc, h2ping and os_service checks, got nothing',
    ],
    ['nested.json', 'service.checks[0].ttl: expected either interval or ttl, got both'],
    ['ttl.json', 'dns_config.service_ttl.web*: expected a duration such as "30s" or "1m30s", got "soon"'],
    ['meta.json', 'node_meta.bad key: expected a key of letters, digits, "_" and "-", got "bad key"'],
  ];
  for (const [name, problem] of expectations) {
    const file = join(dir, name);
    t.is(await loadError(t, [...base, '-config-file', file]), `${file}: ${problem}`, name);
  }
});

test('a later source fixes an earlier bad value: only the merged value is checked', async (t) => {
  const dir = await configDir(t, { 'a.json': '{"ports": {"http": 70000}}' });
  const { config } = await load([...base, '-config-file', join(dir, 'a.json'), '-http-port', '8501']);
  t.is(config.ports.http, 8501);
});

test('default_intention_policy: unset follows the ACL default; allow or deny as given', async (t) => {
  t.is((await load(base)).config.connect.defaultIntentionPolicy, '');
  t.is((await load([...base, '-hcl', 'default_intention_policy = "Deny"'])).config.connect.defaultIntentionPolicy, 'deny');
});

test('a data_dir that is a file is refused', async (t) => {
  const dir = await configDir(t, { 'file': 'x' });
  const file = join(dir, 'file');
  t.is(await loadError(t, ['-data-dir', file]), `command line: -data-dir: expected a directory, got "${file}", which is not one`);
  const existing = await tempDir(t);
  t.is((await load(['-data-dir', existing])).config.dataDir, existing);
});

test('bootstrap_expect = 1 means bootstrap, with Consul\'s warning', async (t) => {
  const { config, warnings } = await load([...base, '-server', '-bootstrap-expect', '1']);
  t.true(config.bootstrap);
  t.is(config.bootstrapExpect, 0);
  t.deepEqual(warnings, ['BootstrapExpect is set to 1; this is the same as Bootstrap mode.']);
});

test('Consul\'s cluster-size and safety warnings', async (t) => {
  t.deepEqual((await load([...base, '-server', '-bootstrap-expect', '2'])).warnings, [
    'bootstrap_expect = 2: A cluster with 2 servers will provide no failure tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table',
    'bootstrap_expect > 0: expecting 2 servers',
  ]);
  t.deepEqual((await load([...base, '-server', '-bootstrap-expect', '4'])).warnings, [
    'bootstrap_expect is even number: A cluster with an even number of servers does not achieve optimum fault tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table',
    'bootstrap_expect > 0: expecting 4 servers',
  ]);
  t.deepEqual((await load([...base, '-enable-script-checks'])).warnings, [
    'using enable-script-checks without ACLs is DANGEROUS (any HTTP client can run commands on this host), use enable-local-script-checks instead',
  ]);
  t.deepEqual((await load([...base, '-node', 'web_1'])).warnings, [
    'Node name "web_1" will not be discoverable via DNS due to invalid characters. Valid characters include all alpha-numerics and dashes.',
  ]);
  t.deepEqual((await load([...base, '-hcl', 'ui = true'])).warnings, ["The 'ui' field is deprecated. Use the 'ui_config.enabled' field instead."]);
  t.true((await load([...base, '-hcl', 'ui = true'])).config.uiConfig.enabled);
});

test('normalised values: domain, node id, recursors, log level', async (t) => {
  const { config } = await load([
    ...base, '-domain', 'Example.COM', '-node-id', 'ADF4238A-882B-9DDC-4A9D-5B6758E4159E', '-log-level', 'TRACE',
    '-recursor', '1.1.1.1', '-recursor', '1.1.1.1:53', '-recursor', '::1',
  ]);
  t.is(config.dnsDomain, 'example.com.');
  t.is(config.nodeId, 'adf4238a-882b-9ddc-4a9d-5b6758e4159e');
  t.is(config.logLevel, 'trace');
  t.deepEqual(config.dnsRecursors, ['1.1.1.1:53', '[::1]:53'], 'duplicates are dropped');
});
