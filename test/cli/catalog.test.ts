// Goal: `taxiway catalog datacenters|nodes|services` print what Consul's commands print, take
// their flags in single- and double-dash spellings, and report errors as one line with exit 1.
// Method: one real dev agent for the file; services registered through its HTTP API in before();
// every check spawns the real CLI against it.

import test from 'ava';
import { linesOf, runCli, startDevAgent, type DevAgent } from '../helpers/agent-process.js';

let agent: DevAgent | undefined;
let nodeName = '';
let nodeId = '';

function httpAddr(): string {
  if (agent === undefined) throw new Error('agent not started');
  return agent.httpAddress;
}

async function registerService(body: object): Promise<void> {
  const response = await fetch(`http://${httpAddr()}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`register: ${response.status} ${await response.text()}`);
}

test.before(async () => {
  agent = await startDevAgent();
  await registerService({ Name: 'web', ID: 'web1', Port: 80, Tags: ['v2', 'primary'] });
  await registerService({ Name: 'web', ID: 'web2', Port: 81, Tags: ['v1'] });
  await registerService({ Name: 'db', Port: 5432 });
  const self = (await (await fetch(`http://${httpAddr()}/v1/agent/self`)).json()) as { Config: { NodeName: string; NodeID: string } };
  nodeName = self.Config.NodeName;
  nodeId = self.Config.NodeID;
});

test.after.always(async () => {
  await agent?.stop();
});

test('catalog datacenters lists the agent datacenter, one per line', async (t) => {
  const result = await runCli(['catalog', 'datacenters', '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'dc1\n');
  t.is(result.stderr, '');
});

test('catalog datacenters refuses arguments as Consul does', async (t) => {
  const result = await runCli(['catalog', 'datacenters', 'extra', `--http-addr=${httpAddr()}`]);
  t.is(result.code, 1);
  t.is(result.stderr, 'Too many arguments (expected 0, got 1)\n');
});

test('catalog nodes prints a columnized table with the short node ID', async (t) => {
  const result = await runCli(['catalog', 'nodes', `-http-addr=${httpAddr()}`]);
  t.is(result.code, 0, result.stderr);
  const shortId = nodeId.split('-')[0] as string;
  const width = Math.max(4, nodeName.length);
  t.deepEqual(linesOf(result.stdout), [
    `${'Node'.padEnd(width)}  ${'ID'.padEnd(shortId.length)}  ${'Address'.padEnd(agent?.host.length ?? 0)}  DC`,
    `${nodeName.padEnd(width)}  ${shortId}  ${agent?.host ?? ''}  dc1`,
  ]);
});

test('catalog nodes -detailed adds the full ID, tagged addresses and meta (sorted k=v)', async (t) => {
  for (const flag of ['-detailed', '--detailed']) {
    const result = await runCli(['catalog', 'nodes', flag, '-http-addr', httpAddr()]);
    t.is(result.code, 0, result.stderr);
    const [header, row] = linesOf(result.stdout);
    t.regex(header ?? '', /^Node +ID +Address +DC +TaggedAddresses +Meta$/);
    t.true(row?.includes(nodeId), row);
    t.true(row?.includes(`lan=${agent?.host ?? ''}, lan_ipv4=${agent?.host ?? ''}, wan=`), row);
    t.regex(row ?? '', /consul-network-segment=, consul-version=\S+$/);
  }
});

test('catalog nodes -service gives one row per instance; an unknown service is not an error', async (t) => {
  const web = await runCli(['catalog', 'nodes', '-service', 'web', '-http-addr', httpAddr()]);
  t.is(web.code, 0, web.stderr);
  t.is(linesOf(web.stdout).length, 3);
  const none = await runCli(['catalog', 'nodes', '--service=nope', '--http-addr', httpAddr()]);
  t.is(none.code, 0);
  t.is(none.stdout, '');
  t.is(none.stderr, 'No nodes match the given query - try expanding your search.\n');
});

test('catalog nodes -node-meta filters and -near sorts', async (t) => {
  const matching = await runCli(['catalog', 'nodes', '-node-meta', 'consul-network-segment=', '-near', '_agent', '-http-addr', httpAddr()]);
  t.is(matching.code, 0, matching.stderr);
  t.is(linesOf(matching.stdout).length, 2);
  const other = await runCli(['catalog', 'nodes', '-node-meta=rack=r9', '-http-addr', httpAddr()]);
  t.is(other.code, 0);
  t.is(other.stderr, 'No nodes match the given query - try expanding your search.\n');
  const malformed = await runCli(['catalog', 'nodes', '-node-meta', 'rack', '-http-addr', httpAddr()]);
  t.is(malformed.code, 1);
  t.is(malformed.stderr, 'invalid value "rack" for flag -node-meta: Missing "=" value in argument: rack\n');
});

test('catalog nodes -filter passes the expression; a bad one is an API error on one line', async (t) => {
  const good = await runCli(['catalog', 'nodes', '-filter', `Node == "${nodeName}"`, '-http-addr', httpAddr()]);
  t.is(good.code, 0, good.stderr);
  t.is(linesOf(good.stdout).length, 2);
  const bad = await runCli(['catalog', 'nodes', '-filter', 'Node ==', '-http-addr', httpAddr()]);
  t.is(bad.code, 1);
  t.is(bad.stdout, '');
  t.regex(bad.stderr, /^Error listing nodes: Unexpected response code: 400 \(.+\)\n$/);
});

test('catalog services lists names sorted', async (t) => {
  const result = await runCli(['catalog', 'services', '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'consul\ndb\nweb\n');
});

test('catalog services -tags puts sorted tags beside names, tabwriter-aligned', async (t) => {
  const result = await runCli(['catalog', 'services', '--tags', '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  // Widest name "consul" (6) + padding 6; the block is trimmed only at its ends.
  t.is(result.stdout, `consul      \ndb          \nweb         primary,v1,v2\n`);
});

test('catalog services -node lists the services of one node; an unknown node matches nothing', async (t) => {
  const result = await runCli(['catalog', 'services', '-node', nodeName, '-tags', '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(linesOf(result.stdout).map((line) => line.trimEnd()), ['consul', 'db', 'web         primary,v1,v2']);
  const none = await runCli(['catalog', 'services', '-node', 'no-such-node', '-http-addr', httpAddr()]);
  t.is(none.code, 0);
  t.is(none.stderr, 'No services match the given query - try expanding your search.\n');
});

test('-datacenter goes to the agent; an unknown one is its error, on one line', async (t) => {
  const own = await runCli(['catalog', 'services', '-datacenter', 'dc1', '-http-addr', httpAddr()]);
  t.is(own.code, 0, own.stderr);
  const other = await runCli(['catalog', 'services', '--datacenter', 'dc9', '-http-addr', httpAddr()]);
  t.is(other.code, 1);
  t.is(other.stderr, 'Error listing services: Unexpected response code: 500 (No path to datacenter)\n');
});
