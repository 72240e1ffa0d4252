// Goal: every Consul agent flag spelling reaches the RuntimeConfig: single and double dash,
// -flag=value and -flag value, repeatable flags, Go-style booleans, -node-meta pairs.
// Method: parse real argument lists through the agent command, then load with a pinned host.

import test from 'ava';
import { flagsToConfigFragment } from '../../../src/agent/config/index.js';
import { load, loadError, parseAgentArgs } from './helpers.js';

test('single and double dash, = and space forms all set the same values', async (t) => {
  const single = await load(['-server', '-data-dir', '/tmp/taxiway-none', '-http-port=8600', '-dns-port', '-1', '-node', 'n1']);
  const double = await load(['--server', '--data-dir=/tmp/taxiway-none', '--http-port', '8600', '--dns-port=-1', '--node=n1']);
  t.deepEqual(single.config, double.config);
  t.is(single.config.ports.http, 8600);
  t.is(single.config.ports.dns, -1);
  t.is(single.config.nodeName, 'n1');
  t.true(single.config.serverMode);
});

test('boolean flags: bare means true, =false means false, Go spellings accepted', async (t) => {
  t.true((await load(['-server', '-data-dir=/tmp/x'])).config.serverMode);
  t.false((await load(['-server=false', '-data-dir=/tmp/x'])).config.serverMode);
  t.false((await load(['-server=0', '-data-dir=/tmp/x'])).config.serverMode);
  t.true((await load(['-server=T', '-data-dir=/tmp/x'])).config.serverMode);
  t.true((await load(['-dev', '-ui=false'])).config.devMode);
  t.false((await load(['-dev', '-ui=false'])).config.uiConfig.enabled);
  t.true((await load(['-log-json', '-data-dir=/tmp/x'])).config.logJson);
});

test('a bad boolean names the flag', async (t) => {
  t.is(await loadError(t, ['-server=yes', '-data-dir=/tmp/x']), 'command line: -server: expected true or false, got "yes"');
  t.throws(() => parseAgentArgs(['-dev=maybe']), { message: 'command line: -dev: expected true or false, got "maybe"' });
});

test('an integer flag with a word names the flag (the issue example)', async (t) => {
  t.is(await loadError(t, ['-bootstrap-expect', 'x']), 'command line: -bootstrap-expect: expected an integer, got "x"');
});

test('repeatable flags keep every value in order', async (t) => {
  const { config } = await load(['-dev', '-retry-join', 'a', '-retry-join=b', '-join', 'c', '-recursor', '8.8.8.8', '-recursor=[2001:db8::1]:5353']);
  t.deepEqual(config.retryJoin, ['a', 'b']);
  t.deepEqual(config.startJoin, ['c']);
  t.deepEqual(config.dnsRecursors, ['8.8.8.8:53', '[2001:db8::1]:5353']);
});

test('-node-meta key:value pairs make a map; a missing ":" gives an empty value', async (t) => {
  const { config } = await load(['-dev', '-node-meta', 'rack:r1', '-node-meta=zone:eu:1', '-node-meta', 'flag']);
  t.deepEqual(config.nodeMeta, { rack: 'r1', zone: 'eu:1', flag: '' });
});

test('the remaining Consul flags set their keys', async (t) => {
  const { config } = await load([
    '-dev', '-serf-lan-port', '9301', '-serf-wan-port', '-1', '-server-port', '9300', '-https-port', '8501',
    '-grpc-port', '9502', '-grpc-tls-port', '9503', '-retry-interval', '5s', '-retry-max', '3', '-alt-domain', 'example.org',
    '-advertise-wan', '192.0.2.1', '-disable-host-node-id=false', '-domain', 'Corp', '-datacenter', 'EU-West_1', '-pid-file', '/run/t.pid',
    '-encrypt', Buffer.alloc(32, 1).toString('base64'), '-log-level', 'WARN', '-node-id', 'ADF4238A-882B-9DDC-4A9D-5B6758E4159E',
  ]);
  t.deepEqual(config.ports, { dns: 8600, http: 8500, https: 8501, grpc: 9502, grpcTls: 9503, serfLan: 9301, serfWan: -1, server: 9300 });
  t.is(config.retryIntervalMs, 5000);
  t.is(config.retryMaxAttempts, 3);
  t.is(config.dnsAltDomain, 'example.org.');
  t.is(config.dnsDomain, 'corp.');
  t.is(config.datacenter, 'eu-west_1', 'Consul lower-cases the datacenter');
  t.is(config.advertiseAddrWan, '192.0.2.1');
  t.false(config.disableHostNodeId);
  t.is(config.pidFile, '/run/t.pid');
  t.is(config.logLevel, 'warn');
  t.is(config.nodeId, 'adf4238a-882b-9ddc-4a9d-5b6758e4159e');
});

test('-config-file and -config-dir keep their command-line order', (t) => {
  const flags = parseAgentArgs(['-config-dir', 'd1', '-config-file', 'f1', '-config-dir=d2', '-config-file=f2']);
  t.deepEqual(flags.configPaths, [
    { flag: '-config-dir', path: 'd1' },
    { flag: '-config-file', path: 'f1' },
    { flag: '-config-dir', path: 'd2' },
    { flag: '-config-file', path: 'f2' },
  ]);
});

test('flagsToConfigFragment accepts options built by hand', (t) => {
  const flags = flagsToConfigFragment({ dev: true, httpPort: '1234', configFile: ['a.json'], configDir: 'conf.d', hcl: ['x = 1'] });
  t.true(flags.devMode);
  t.deepEqual(flags.values, { ports: { http: '1234' } });
  t.deepEqual(flags.keyLabels, { 'ports.http': '-http-port' });
  t.deepEqual(flags.configPaths, [{ flag: '-config-file', path: 'a.json' }, { flag: '-config-dir', path: 'conf.d' }]);
  t.deepEqual(flags.hclFragments, ['x = 1']);
});

test('-hcl fragments override flags and are named in errors', async (t) => {
  const { config, warnings } = await load(['-dev', '-http-port', '1000', '-hcl', 'ports { http = 2000 }', '-hcl', 'node_name = "h"\nbogus = 1']);
  t.is(config.ports.http, 2000);
  t.is(config.nodeName, 'h');
  t.deepEqual(warnings, ['-hcl #2: unknown key "bogus" (ignored)']);
  t.is(await loadError(t, ['-dev', '-hcl', 'ports { http = 70000 }']), '-hcl #1: ports.http: expected a port from 1 to 65535 or -1, got 70000');
});

test('unknown flags are left to commander, which rejects them', (t) => {
  t.throws(() => parseAgentArgs(['-no-such-flag']), { message: /unknown option '-no-such-flag'/ });
});
