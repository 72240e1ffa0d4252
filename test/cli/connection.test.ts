// Goal: the CLI finds the agent and authenticates as Consul's does (-http-addr > TAXIWAY_HTTP_ADDR
// > CONSUL_HTTP_ADDR; address forms; token precedence), never hangs, and reports connection
// failures as one line with exit 1. Also covers the agent-level commands: info, reload, version.
// Method: a real dev agent for end-to-end answers, and a small recording HTTP server (TCP and
// unix socket) where the test must see exactly what the CLI sent.

import test from 'ava';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { linesOf, runCli, startDevAgent, writeTempFiles, type DevAgent } from '../helpers/agent-process.js';

interface Recorded {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

let agent: DevAgent | undefined;
let files: { dir: string; remove: () => Promise<void> } | undefined;
const recorded: Recorded[] = [];
const servers: Server[] = [];

function httpAddr(): string {
  if (agent === undefined) throw new Error('agent not started');
  return agent.httpAddress;
}

/** An HTTP server answering every request with ["rec"] and recording it; listens on `where`. */
async function recordingServer(where: { port: 0; host: string } | { path: string }): Promise<string> {
  const server = createServer((request, response) => {
    recorded.push({ url: request.url ?? '', headers: request.headers });
    response.setHeader('content-type', 'application/json');
    response.end('["rec"]');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(where, resolve));
  const address = server.address();
  return typeof address === 'string' || address === null ? '' : `127.0.0.1:${address.port}`;
}

/** The requests the recording server saw whose URL contains `marker` (tests run concurrently). */
function requestsWith(marker: string): Recorded[] {
  return recorded.filter((request) => request.url.includes(marker));
}

let recorderAddr = '';

test.before(async () => {
  files = await writeTempFiles({ 'token.txt': '  file-token\n' });
  recorderAddr = await recordingServer({ port: 0, host: '127.0.0.1' });
  await recordingServer({ path: join(files.dir, 'agent.sock') });
  agent = await startDevAgent();
});

test.after.always(async () => {
  for (const server of servers) server.close();
  await agent?.stop();
  await files?.remove();
});

test('CONSUL_HTTP_ADDR points the CLI at the agent', async (t) => {
  const result = await runCli(['catalog', 'datacenters'], { env: { CONSUL_HTTP_ADDR: httpAddr() } });
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'dc1\n');
});

test('TAXIWAY_HTTP_ADDR wins over CONSUL_HTTP_ADDR, and -http-addr over both', async (t) => {
  const fromTaxiway = await runCli(['catalog', 'datacenters'], { env: { TAXIWAY_HTTP_ADDR: `http://${httpAddr()}`, CONSUL_HTTP_ADDR: '127.0.0.1:1' } });
  t.is(fromTaxiway.code, 0, fromTaxiway.stderr);
  t.is(fromTaxiway.stdout, 'dc1\n');
  const fromFlag = await runCli(['catalog', 'datacenters', '-http-addr', httpAddr()], { env: { TAXIWAY_HTTP_ADDR: '127.0.0.1:1', CONSUL_HTTP_ADDR: '127.0.0.1:1' } });
  t.is(fromFlag.code, 0, fromFlag.stderr);
  t.is(fromFlag.stdout, 'dc1\n');
});

test('an unreachable agent is one line naming the request and the cause, exit 1', async (t) => {
  const result = await runCli(['catalog', 'nodes', '-http-addr', '127.0.0.1:1']);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.is(result.stderr, 'Error listing nodes: Get "http://127.0.0.1:1/v1/catalog/nodes": connect ECONNREFUSED 127.0.0.1:1\n');
});

test('an unknown address scheme is refused before connecting', async (t) => {
  const result = await runCli(['catalog', 'services'], { env: { CONSUL_HTTP_ADDR: 'ftp://127.0.0.1:8500' } });
  t.is(result.code, 1);
  t.is(result.stderr, 'Error connecting to Consul agent: Unknown protocol scheme: ftp\n');
});

test('a path after host:port is a prefix for every request', async (t) => {
  const result = await runCli(['catalog', 'datacenters', '-http-addr', `http://${recorderAddr}/proxy/prefix-marker/`]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'rec\n');
  t.deepEqual(requestsWith('prefix-marker').map((request) => request.url), ['/proxy/prefix-marker/v1/catalog/datacenters']);
});

test('unix:///path talks HTTP over the socket', async (t) => {
  const result = await runCli(['catalog', 'datacenters', '-http-addr', `unix://${join(files?.dir ?? '', 'agent.sock')}`, '-datacenter', 'unix-marker']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'rec\n');
  t.is(requestsWith('unix-marker')[0]?.headers.host, 'localhost');
});

test('token precedence: -token-file > -token > TAXIWAY_HTTP_TOKEN > CONSUL_HTTP_TOKEN; none sends no header', async (t) => {
  const tokenFile = join(files?.dir ?? '', 'token.txt');
  const cases: [marker: string, args: string[], env: Record<string, string>, token: string | undefined][] = [
    ['token-a', ['-token-file', tokenFile, '-token', 'flag'], { CONSUL_HTTP_TOKEN: 'consul' }, 'file-token'],
    ['token-b', ['-token', 'flag'], { TAXIWAY_HTTP_TOKEN: 'taxiway', CONSUL_HTTP_TOKEN: 'consul' }, 'flag'],
    ['token-c', [], { TAXIWAY_HTTP_TOKEN: 'taxiway', CONSUL_HTTP_TOKEN: 'consul' }, 'taxiway'],
    ['token-d', [], { CONSUL_HTTP_TOKEN: 'consul' }, 'consul'],
    ['token-e', [], { CONSUL_HTTP_TOKEN_FILE: tokenFile }, 'file-token'],
    ['token-f', [], {}, undefined],
  ];
  for (const [marker, args, env, token] of cases) {
    const result = await runCli(['catalog', 'datacenters', '-http-addr', recorderAddr, '-datacenter', marker, ...args], { env });
    t.is(result.code, 0, result.stderr);
    t.is(requestsWith(marker)[0]?.headers['x-consul-token'], token, marker);
  }
  const unreadable = await runCli(['catalog', 'datacenters', '-http-addr', recorderAddr, '-token-file', join(files?.dir ?? '', 'nope')]);
  t.is(unreadable.code, 1);
  t.regex(unreadable.stderr, /^Error connecting to Consul agent: Error loading token file .*nope : ENOENT.*\n$/);
});

test('an agent that never answers times out instead of hanging', async (t) => {
  const sockets: Socket[] = [];
  const silent = createTcpServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const address = silent.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const result = await runCli(['catalog', 'nodes', '-http-addr', `127.0.0.1:${port}`], { env: { TAXIWAY_HTTP_TIMEOUT: '500ms' }, deadlineMs: 10_000 });
  t.is(result.code, 1);
  t.is(result.stderr, `Error listing nodes: Get "http://127.0.0.1:${port}/v1/catalog/nodes": request timed out after 500ms\n`);
});

test('info prints Stats sections and keys sorted, "\\t<key> = <value>"', async (t) => {
  const result = await runCli(['info', '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  const lines = linesOf(result.stdout);
  const sections = lines.filter((line) => !line.startsWith('\t'));
  t.true(sections.includes('agent:') && sections.includes('build:'), result.stdout);
  t.deepEqual(sections, [...sections].sort());
  t.true(lines.every((line) => /^[a-z_]+:$/.test(line) || /^\t\S+ = .*$/.test(line)), result.stdout);
  t.true(lines.some((line) => line.startsWith('\tservices = ')), result.stdout);
});

test('reload asks the agent to reload', async (t) => {
  const result = await runCli(['reload', `--http-addr=${httpAddr()}`]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'Configuration reload triggered\n');
});

test('version needs no agent and names the Consul version followed', async (t) => {
  const pretty = await runCli(['version']);
  t.is(pretty.code, 0, pretty.stderr);
  t.regex(pretty.stdout, /^taxiway v\d+\.\d+\.\d+\nFollows the HTTP API and CLI of Consul v\d+\.\d+\.\d+\n$/);
  const json = await runCli(['version', '-format', 'json']);
  t.is(json.code, 0, json.stderr);
  t.true(json.stdout.startsWith('{\n   "Version": '), json.stdout);
  t.like(JSON.parse(json.stdout), { Revision: '', Prerelease: '' });
  const unknown = await runCli(['version', '--format=xml']);
  t.is(unknown.code, 1);
  t.is(unknown.stderr, 'Unknown format: xml\n');
});
