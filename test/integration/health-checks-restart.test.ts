// Goal: API-registered services and checks survive an agent restart when a data dir is set, and
// config-file checks follow `taxiway reload` and SIGHUP (added, changed, removed) — each visible
// through the agent and /v1/health/service/:name?passing. Method: real agent processes (non-dev,
// one data dir shared by two runs), real backends on 127.0.0.1:0, polls with deadlines.

import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { type DevAgent, runCli, startAgent } from '../helpers/agent-process.js';
import { eventually, startHttpBackend, startTcpBackend } from '../health/servers.js';

const deadlineMs = 15_000;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'taxiway-health-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function passingIds(agent: DevAgent, service: string): Promise<string[]> {
  const entries = (await (await request(`${agent.baseUrl}/v1/health/service/${service}?passing`)).body.json()) as { Service: { ID: string } }[];
  return entries.map((entry) => entry.Service.ID).sort();
}

async function agentServiceIds(agent: DevAgent): Promise<string[]> {
  return Object.keys((await (await request(`${agent.baseUrl}/v1/agent/services`)).body.json()) as object).sort();
}

test('services and checks registered through the API survive a restart with a data dir', async (t) => {
  const dataDir = tempDir(t);
  const backend = await startHttpBackend(t);
  const args = ['-server', '-bootstrap-expect=1', '-data-dir', dataDir, '-node', 'persist-node'];
  const first = await startAgent(t, args, { dev: false });
  const service = { Name: 'web', ID: 'web-1', Port: backend.port, Check: { HTTP: `http://${backend.address}/`, Interval: '1s' } };
  t.is((await request(`${first.baseUrl}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(service) })).statusCode, 200);
  t.is((await request(`${first.baseUrl}/v1/agent/check/register`, { method: 'PUT', body: JSON.stringify({ Name: 'disk', TTL: '1m', Status: 'passing' }) })).statusCode, 200);
  t.is(await first.stop(), 0);

  const second = await startAgent(t, args, { dev: false });
  t.deepEqual(await agentServiceIds(second), ['web-1']);
  const checks = (await (await request(`${second.baseUrl}/v1/agent/checks`)).body.json()) as Record<string, { Type: string }>;
  t.deepEqual(Object.keys(checks).sort(), ['disk', 'service:web-1']);
  t.is(checks['service:web-1']?.Type, 'http');
  // A node check restarts at its initial status (here passing, so it does not hide web-1); the
  // restored HTTP check runs again and the instance passes.
  await eventually('web-1 to pass after the restart', async () => (await passingIds(second, 'web')).includes('web-1'), deadlineMs).catch(async (error: unknown) => {
    t.log(await (await request(`${second.baseUrl}/v1/agent/checks`)).body.text());
    t.log(await (await request(`${second.baseUrl}/v1/health/service/web`)).body.text());
    t.log(second.output());
    throw error;
  });
  t.pass();
});

test('config-file checks follow reload: changed definition, removed service, SIGHUP', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'services.json');
  const tcp = await startTcpBackend(t);
  const http = await startHttpBackend(t, (_request, response) => {
    response.statusCode = 503;
    response.end();
  });
  writeFileSync(file, JSON.stringify({ services: [{ name: 'cfg', id: 'cfg-1', port: tcp.port, check: { tcp: tcp.address, interval: '1s' } }] }));
  const agent = await startAgent(t, ['-config-file', file]);
  await eventually('cfg-1 to pass its TCP check', async () => (await passingIds(agent, 'cfg')).includes('cfg-1'), deadlineMs);

  // Changed: the check now asks an HTTP backend that answers 503.
  writeFileSync(file, JSON.stringify({ services: [{ name: 'cfg', id: 'cfg-1', port: http.port, check: { http: `http://${http.address}/`, interval: '1s' } }] }));
  const reload = await runCli(['reload', `-http-addr=${agent.httpAddress}`]);
  t.is(reload.code, 0, reload.stderr);
  await eventually('cfg-1 to fail its new HTTP check', async () => (await passingIds(agent, 'cfg')).length === 0, deadlineMs);
  const checks = (await (await request(`${agent.baseUrl}/v1/agent/checks`)).body.json()) as Record<string, { Type: string }>;
  t.is(checks['service:cfg-1']?.Type, 'http');

  // Removed, by SIGHUP this time: the service and its check leave the agent and the catalog.
  writeFileSync(file, JSON.stringify({ services: [] }));
  agent.child.kill('SIGHUP');
  await eventually('cfg-1 to be removed', async () => (await agentServiceIds(agent)).length === 0, deadlineMs);
  const catalog = (await (await request(`${agent.baseUrl}/v1/catalog/service/cfg`)).body.json()) as unknown[];
  t.deepEqual(catalog, []);
});
