// Goal: an agent runs the checks of its services against real backends and the catalog follows:
// an instance is in /v1/health/service/:name?passing while its backend is healthy, leaves within
// an interval plus a sync when it turns unhealthy, and comes back when it recovers — for HTTP,
// TCP, UDP, gRPC and script checks; TTL checks expire. Method: one real dev agent process per
// test (own loopback address), real servers started by the test on 127.0.0.1:0, every wait a
// poll with a deadline.

import test, { type ExecutionContext } from 'ava';
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { type DevAgent, startAgent } from '../helpers/agent-process.js';
import { eventually, startGrpcBackend, startHttpBackend, startTcpBackend, startUdpBackend } from '../health/servers.js';

/** Interval 1 s: the shortest the agent runs; a status change shows within ~2 s. */
const deadlineMs = 15_000;

async function put(agent: DevAgent, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await request(`${agent.baseUrl}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  return { status: response.statusCode, text: await response.body.text() };
}

async function passingIds(agent: DevAgent, service: string): Promise<string[]> {
  const response = await request(`${agent.baseUrl}/v1/health/service/${service}?passing`);
  const entries = (await response.body.json()) as { Service: { ID: string } }[];
  return entries.map((entry) => entry.Service.ID).sort();
}

async function register(t: ExecutionContext, agent: DevAgent, service: Record<string, unknown>): Promise<void> {
  const answer = await put(agent, '/v1/agent/service/register', service);
  t.is(answer.status, 200, answer.text);
}

async function expectPassing(agent: DevAgent, service: string, ids: string[], what: string): Promise<void> {
  await eventually(what, async () => JSON.stringify(await passingIds(agent, service)) === JSON.stringify(ids), deadlineMs);
}

test('HTTP check: healthy → passing, 500 → gone from ?passing, healthy again → back', async (t) => {
  const backend = await startHttpBackend(t);
  const agent = await startAgent(t);
  await register(t, agent, { Name: 'web', ID: 'web-1', Port: backend.port, Check: { HTTP: `http://${backend.address}/health`, Interval: '1s' } });
  await expectPassing(agent, 'web', ['web-1'], 'web-1 to pass');
  backend.handler = (_request, response) => {
    response.statusCode = 500;
    response.end('broken');
  };
  await expectPassing(agent, 'web', [], 'web-1 to leave ?passing');
  const checks = (await (await request(`${agent.baseUrl}/v1/health/checks/web`)).body.json()) as { Status: string; Output: string }[];
  t.is(checks[0]?.Status, 'critical');
  t.regex(checks[0]?.Output ?? '', /500 Internal Server Error Output: broken/);
  backend.handler = (_request, response) => response.end('ok');
  await expectPassing(agent, 'web', ['web-1'], 'web-1 to come back');
  t.pass();
});

test('TCP check: listening → passing, closed → gone, listening again → back', async (t) => {
  const backend = await startTcpBackend(t);
  const agent = await startAgent(t);
  await register(t, agent, { Name: 'db', ID: 'db-1', Port: backend.port, Check: { TCP: backend.address, Interval: '1s', Timeout: '500ms' } });
  await expectPassing(agent, 'db', ['db-1'], 'db-1 to pass');
  await backend.setListening(false);
  await expectPassing(agent, 'db', [], 'db-1 to leave ?passing');
  await backend.setListening(true);
  await expectPassing(agent, 'db', ['db-1'], 'db-1 to come back');
  t.pass();
});

test('UDP and gRPC checks: healthy → passing; port unreachable / NOT_SERVING → gone', async (t) => {
  const udp = await startUdpBackend(t);
  const grpc = await startGrpcBackend(t);
  grpc.statuses.set('billing', 1);
  const agent = await startAgent(t);
  await register(t, agent, { Name: 'dns', ID: 'dns-1', Port: udp.port, Check: { UDP: udp.address, Interval: '1s', Timeout: '300ms' } });
  await register(t, agent, { Name: 'billing', ID: 'billing-1', Port: grpc.port, Check: { GRPC: `${grpc.address}/billing`, Interval: '1s' } });
  await expectPassing(agent, 'dns', ['dns-1'], 'dns-1 to pass');
  await expectPassing(agent, 'billing', ['billing-1'], 'billing-1 to pass');
  await udp.unbind();
  grpc.statuses.set('billing', 2);
  await expectPassing(agent, 'dns', [], 'dns-1 to leave ?passing');
  await expectPassing(agent, 'billing', [], 'billing-1 to leave ?passing');
  grpc.statuses.set('billing', 1);
  await expectPassing(agent, 'billing', ['billing-1'], 'billing-1 to come back');
  t.pass();
});

test('script check (enable_script_checks): exit 0 passing, exit 2 gone; TTL check expires', async (t) => {
  const flag = join(tmpdir(), `taxiway-health-flag-${process.pid}-${Date.now()}`);
  writeFileSync(flag, '');
  t.teardown(() => rmSync(flag, { force: true }));
  const agent = await startAgent(t, ['-enable-script-checks']);
  await register(t, agent, { Name: 'job', ID: 'job-1', Check: { Args: ['/bin/sh', '-c', `test -f ${flag} || exit 2`], Interval: '1s' } });
  await expectPassing(agent, 'job', ['job-1'], 'job-1 to pass');
  rmSync(flag);
  await expectPassing(agent, 'job', [], 'job-1 to leave ?passing');

  await register(t, agent, { Name: 'app', ID: 'app-1', Check: { TTL: '2s' } });
  t.is((await put(agent, '/v1/agent/check/pass/service:app-1?note=alive', undefined)).status, 200);
  t.deepEqual(await passingIds(agent, 'app'), ['app-1']);
  await expectPassing(agent, 'app', [], 'the TTL to expire');
  const checks = (await (await request(`${agent.baseUrl}/v1/health/checks/app`)).body.json()) as { Output: string }[];
  t.is(checks[0]?.Output, 'TTL expired (last output before timeout follows): alive');
});

test('bad input: no interval, disabled scripts, unknown TTL check, unreachable address', async (t) => {
  const agent = await startAgent(t);
  const noInterval = await put(agent, '/v1/agent/check/register', { Name: 'x', HTTP: 'http://127.0.0.1:1/' });
  t.is(noInterval.status, 400);
  t.is(noInterval.text, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks');
  const script = await put(agent, '/v1/agent/check/register', { Name: 's', Args: ['/bin/true'], Interval: '1s' });
  t.is(script.status, 400);
  t.regex(script.text, /Scripts are disabled on this agent/);
  const unknown = await put(agent, '/v1/agent/check/pass/no-such-check', undefined);
  t.is(unknown.status, 404);
  t.regex(unknown.text, /Unknown check ID "no-such-check"/);
  // An address nothing answers on: the check is critical, the agent carries on.
  t.is((await put(agent, '/v1/agent/check/register', { Name: 'void', TCP: '192.0.2.1:9', Interval: '1s', Timeout: '200ms' })).status, 200);
  await eventually('the unreachable check to report', async () => {
    const checks = (await (await request(`${agent.baseUrl}/v1/agent/checks`)).body.json()) as Record<string, { Output: string }>;
    return (checks.void?.Output ?? '') !== '';
  }, deadlineMs);
  t.is((await request(`${agent.baseUrl}/v1/agent/self`)).statusCode, 200);
});
