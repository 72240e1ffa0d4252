// Goal: the `taxiway agent` process honours Consul's flags and config files, refuses bad ones
// with one line and a non-zero exit, writes and removes its pid file, and reloads on request.
// Method: real processes; config files in a temporary directory removed after each test.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { request } from 'undici';
import { runCli, startAgent } from '../helpers/agent-process.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'taxiway-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('single-dash and double-dash flags both work, and -pid-file is written then removed', async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, 'agent.pid');
  const agent = await startAgent(t, ['-node', 'alpha', '--datacenter', 'east-1', `-pid-file=${pidFile}`]);
  const self = (await (await request(`${agent.baseUrl}/v1/agent/self`)).body.json()) as { Config: { NodeName: string; Datacenter: string } };
  t.is(self.Config.NodeName, 'alpha');
  t.is(self.Config.Datacenter, 'east-1');
  t.is(readFileSync(pidFile, 'utf8'), String(agent.child.pid));
  t.is(await agent.stop('SIGINT'), 0);
  t.false(existsSync(pidFile));
});

test('services and checks from JSON and HCL config files are registered', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.json'), JSON.stringify({ service: { name: 'from-json', port: 1111, tags: ['j'] } }));
  writeFileSync(join(dir, 'b.hcl'), 'service {\n  name = "from-hcl"\n  port = 2222\n  check {\n    ttl = "30s"\n  }\n}\nnode_meta {\n  rack = "r7"\n}\n');
  const agent = await startAgent(t, ['-config-dir', dir]);
  const services = (await (await request(`${agent.baseUrl}/v1/catalog/services`)).body.json()) as Record<string, string[]>;
  t.deepEqual(services['from-json'], ['j']);
  t.deepEqual(services['from-hcl'], []);
  const nodes = (await (await request(`${agent.baseUrl}/v1/catalog/nodes?node-meta=rack:r7`)).body.json()) as unknown[];
  t.is(nodes.length, 1);
});

test('reload replaces config-file services and keeps API-registered ones', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'services.json');
  writeFileSync(file, JSON.stringify({ services: [{ name: 'one', port: 1 }, { name: 'two', port: 2 }] }));
  const agent = await startAgent(t, ['-config-file', file]);
  await (await request(`${agent.baseUrl}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: 'api-made', Port: 3 }) })).body.dump();
  writeFileSync(file, JSON.stringify({ services: [{ name: 'two', port: 22 }, { name: 'three', port: 3 }] }));
  const reload = await request(`${agent.baseUrl}/v1/agent/reload`, { method: 'PUT' });
  t.is(reload.statusCode, 200);
  await reload.body.dump();
  const services = (await (await request(`${agent.baseUrl}/v1/agent/services`)).body.json()) as Record<string, { Port: number }>;
  t.deepEqual(Object.keys(services).sort(), ['api-made', 'three', 'two']);
  t.is(services.two?.Port, 22);
  // A broken file makes the reload fail with the config error; the running config stays.
  writeFileSync(file, '{ "services": [ { "name": "x", "port": "not-a-port" } ] }');
  const broken = await request(`${agent.baseUrl}/v1/agent/reload`, { method: 'PUT' });
  t.is(broken.statusCode, 500);
  t.regex(await broken.body.text(), /services\.json: .*port/);
  const after = (await (await request(`${agent.baseUrl}/v1/agent/services`)).body.json()) as Record<string, unknown>;
  t.deepEqual(Object.keys(after).sort(), ['api-made', 'three', 'two']);
});

test('a bad flag or config value exits non-zero with one line naming what was wrong', async (t) => {
  const dir = tempDir(t);
  const badPort = await runCli(['agent', '-dev', '-http-port', 'eighty']);
  t.is(badPort.code, 1);
  t.is(badPort.stderr.trim().split('\n').length, 1, badPort.stderr);
  t.regex(badPort.stderr, /-http-port/);

  const file = join(dir, 'bad.hcl');
  writeFileSync(file, 'ports {\n  http = 70000\n}\n');
  const badFile = await runCli(['agent', '-dev', '-config-file', file]);
  t.is(badFile.code, 1);
  t.is(badFile.stderr.trim(), `${file}: ports.http: expected a port from 1 to 65535 or -1, got 70000`);

  const unknownFlag = await runCli(['agent', '-dev', '-no-such-flag']);
  t.is(unknownFlag.code, 1);
  t.regex(unknownFlag.stderr, /unknown option/);

  const badService = join(dir, 'svc.json');
  writeFileSync(badService, JSON.stringify({ service: { name: 'x', check: { http: 'http://127.0.0.1/' } } }));
  const refused = await runCli(['agent', '-dev', '-http-port', '-1', '-config-file', badService]);
  t.is(refused.code, 1);
  t.is(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  t.regex(refused.stderr, /svc\.json: service\.check\.interval: expected an interval greater than 0/);
});

test('unknown config keys warn but do not stop the agent', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'extra.json');
  writeFileSync(file, JSON.stringify({ datacenter: 'dc1', not_a_consul_key: true }));
  const agent = await startAgent(t, ['-config-file', file]);
  t.regex(agent.output(), /not_a_consul_key/);
});
