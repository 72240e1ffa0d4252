// Goal: `taxiway services register|deregister` register from flags and from JSON and HCL config
// files (the agent's own format), fill file services from flags as Consul does, and report
// argument, file and API errors as one line with exit 1.
// Method: one real dev agent; each test uses its own service names and reads the result back
// from the agent's HTTP API.

import test from 'ava';
import { join } from 'node:path';
import { runCli, startDevAgent, writeTempFiles, type DevAgent } from '../helpers/agent-process.js';

let agent: DevAgent | undefined;
let files: { dir: string; remove: () => Promise<void> } | undefined;

function httpAddr(): string {
  if (agent === undefined) throw new Error('agent not started');
  return agent.httpAddress;
}

function file(name: string): string {
  if (files === undefined) throw new Error('files not written');
  return join(files.dir, name);
}

interface AgentService {
  ID: string;
  Service: string;
  Tags: string[];
  Port: number;
  Address: string;
  Meta: Record<string, string>;
  TaggedAddresses?: Record<string, { Address: string; Port: number }>;
  Weights: { Passing: number; Warning: number };
  EnableTagOverride: boolean;
}

async function agentServices(): Promise<Record<string, AgentService>> {
  return (await (await fetch(`http://${httpAddr()}/v1/agent/services`)).json()) as Record<string, AgentService>;
}

async function agentChecks(): Promise<Record<string, { ServiceID: string; Type: string; Definition: Record<string, unknown> }>> {
  return (await (await fetch(`http://${httpAddr()}/v1/agent/checks`)).json()) as Record<string, { ServiceID: string; Type: string; Definition: Record<string, unknown> }>;
}

test.before(async () => {
  files = await writeTempFiles({
    'web.json': JSON.stringify({ service: { name: 'json-web', port: 8080, tags: ['v1'], meta: { team: 'a', blank: '' }, check: { ttl: '30s', name: 'ttl' } } }),
    'single.hcl': 'service {\n  name = "hcl-one"\n  port = 9000\n  tags = ["x"]\n  enable_tag_override = true\n  weights { passing = 3\n warning = 2 }\n}\n',
    'several.hcl': 'services = [\n  { name = "hcl-db", id = "hcl-db-1", port = 5432, checks = [{ tcp = "127.0.0.1:5432", interval = "10s", timeout = "1s" }] },\n  { name = "hcl-cache", port = 6379 },\n]\n',
    'combine.json': JSON.stringify({ service: { name: 'combined', meta: { from: 'file' }, tags: ['file'] } }),
    'no-name.json': JSON.stringify({ service: { port: 1 } }),
    'broken.json': '{"service": {"name": ',
    'notes.txt': 'service {}',
  });
  agent = await startDevAgent();
});

test.after.always(async () => {
  await agent?.stop();
  await files?.remove();
});

test('register from flags, single-dash, then deregister by -id', async (t) => {
  const registered = await runCli(['services', 'register', '-name', 'flag-web', '-id', 'flag-web-1', '-address', '10.1.1.1', '-port', '81', '-tag', 'b', '-tag', 'a', '-meta', 'env=prod', '-tagged-address', 'lan=10.0.0.1:90', '-http-addr', httpAddr()]);
  t.is(registered.code, 0, registered.stderr);
  t.is(registered.stdout, 'Registered service: flag-web\n');
  const service = (await agentServices())['flag-web-1'];
  t.like(service, { Service: 'flag-web', Address: '10.1.1.1', Port: 81, Tags: ['b', 'a'], Meta: { env: 'prod' }, TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 90 } } });

  const removed = await runCli(['services', 'deregister', '-id', 'flag-web-1', '-http-addr', httpAddr()]);
  t.is(removed.code, 0, removed.stderr);
  t.is(removed.stdout, 'Deregistered service: flag-web-1\n');
  t.is((await agentServices())['flag-web-1'], undefined);
});

test('register from flags, double-dash with =', async (t) => {
  const result = await runCli(['services', 'register', '--name=dash-web', '--port=82', `--http-addr=${httpAddr()}`]);
  t.is(result.code, 0, result.stderr);
  t.like((await agentServices())['dash-web'], { Service: 'dash-web', Port: 82 });
});

test('register from a JSON file: meta, tags and the check arrive as written', async (t) => {
  const result = await runCli(['services', 'register', file('web.json'), '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'Registered service: json-web\n');
  t.like((await agentServices())['json-web'], { Port: 8080, Tags: ['v1'], Meta: { team: 'a', blank: '' } });
  const check = Object.values(await agentChecks()).find((each) => each.ServiceID === 'json-web');
  t.is(check?.Type, 'ttl');
  t.is(check?.Definition.TTL, '30s');
});

test('register from HCL files: a service block and a services list', async (t) => {
  const result = await runCli(['services', 'register', file('single.hcl'), file('several.hcl'), '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'Registered service: hcl-one\nRegistered service: hcl-db\nRegistered service: hcl-cache\n');
  const services = await agentServices();
  t.like(services['hcl-one'], { Port: 9000, Tags: ['x'], EnableTagOverride: true, Weights: { Passing: 3, Warning: 2 } });
  t.like(services['hcl-db-1'], { Service: 'hcl-db', Port: 5432 });
  t.like(services['hcl-cache'], { Port: 6379 });
  const check = Object.values(await agentChecks()).find((each) => each.ServiceID === 'hcl-db-1');
  t.like(check, { Type: 'tcp', Definition: { TCP: '127.0.0.1:5432', Interval: '10s', Timeout: '1s' } });

  const removed = await runCli(['services', 'deregister', file('several.hcl'), '-http-addr', httpAddr()]);
  t.is(removed.code, 0, removed.stderr);
  t.is(removed.stdout, 'Deregistered service: hcl-db-1\nDeregistered service: hcl-cache\n');
  const after = await agentServices();
  t.is(after['hcl-db-1'], undefined);
  t.not(after['hcl-one'], undefined);
});

test('flags fill what a file leaves out: port set, meta merged, tags appended', async (t) => {
  const result = await runCli(['services', 'register', file('combine.json'), '-port', '7000', '-meta', 'from=flag', '-tag', 'flag', '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  t.like((await agentServices()).combined, { Port: 7000, Meta: { from: 'flag' }, Tags: ['file', 'flag'] });
});

test('argument errors are Consul\'s one-liners', async (t) => {
  const cases: [string[], string][] = [
    [['services', 'register'], 'Service registration requires at least one argument or flags.\n'],
    [['services', 'register', '-name', 'x', file('web.json')], 'Service registration requires arguments or -id, not both.\n'],
    [['services', 'deregister'], 'Service deregistration requires at least one argument or -id.\n'],
    [['services', 'deregister', '-id', 'x', file('web.json')], 'Service deregistration requires arguments or -id, not both.\n'],
  ];
  for (const [args, stderr] of cases) {
    const result = await runCli([...args, '-http-addr', httpAddr()]);
    t.is(result.code, 1, args.join(' '));
    t.is(result.stderr, stderr);
  }
});

test('file errors name the file and key, on one line', async (t) => {
  const cases: [string, RegExp][] = [
    ['no-name.json', /^Error: .*no-name\.json: service\.name: expected a service name, got nothing\n$/],
    ['broken.json', /^Error: .*broken\.json: \(syntax\): expected valid JSON, got a syntax error: .*\n$/],
    ['notes.txt', /^Error: .*notes\.txt: \(file name\): expected a file ending in \.json or \.hcl\n$/],
    ['missing.json', /^Error: .*missing\.json: \(file\): expected a readable file, got ENOENT\n$/],
  ];
  for (const [name, stderr] of cases) {
    const result = await runCli(['services', 'register', file(name), '-http-addr', httpAddr()]);
    t.is(result.code, 1, name);
    t.regex(result.stderr, stderr);
  }
});

test('an API error is one line with the code and body, exit 1', async (t) => {
  const register = await runCli(['services', 'register', '-name', 'bad-kind', '-kind', 'bogus', '-http-addr', httpAddr()]);
  t.is(register.code, 1);
  t.is(register.stdout, '');
  t.is(register.stderr, 'Error registering service "bad-kind": Unexpected response code: 400 (Invalid service kind: "bogus")\n');
  const deregister = await runCli(['services', 'deregister', '-id', 'no-such-id', '-http-addr', httpAddr()]);
  t.is(deregister.code, 1);
  t.regex(deregister.stderr, /^Error deregistering service "": Unexpected response code: 404 \(Unknown service ID "no-such-id".*\)\n$/);
});
