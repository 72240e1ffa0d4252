// Sidecar proxy benchmark (issue 10). Run: npm run bench:proxy   (needs wrk, nginx, haproxy:
// ../shared/anchors/install.sh)
//
// In one run, the same loads against every chain: wrk -t2 -c64 for throughput (the anchor's) and
// wrk -t1 -c8 closed loop; for latency, latency-probe.ts (keep-alive GETs timed one by one) with one
// connection closed loop, and with 8 connections paced to RATE req/s in all (default 2,000: a
// quarter or less of what the slowest chain carries) as the "moderate load" of the issue's latency
// target. Why a probe and not wrk -c1: wrk adds ~1.5 ms of its own to the p99 on this VM even
// against nginx alone. DURATION s each. The chains:
//   1. direct: nginx (1 worker, `return 200`), our own instance;
//   2. taxiway L4: client → web's sidecar upstream listener → mTLS → api's sidecar → nginx, with a
//      real dev agent and two `taxiway connect proxy -sidecar-for` processes;
//   3. taxiway L7: the same chain for a service whose protocol is http (discovery-chain routing,
//      the h1 codec and keep-alive pools to the peer sidecar);
//   4. the anchors, by ../shared/anchors/proxy-anchor.sh (RUNS=1) after taxiway is stopped:
//      haproxy two-hop mTLS in TCP and HTTP mode, and the Node net+tls pipe (wrk c64 and c1);
//   5. the same haproxy chain started here (haproxy-chain.ts) for the c8, probe c1 and paced loads.
// Prints rps and p50/p99 per scenario and the ratios: taxiway L4 / haproxy TCP, taxiway L7 /
// haproxy HTTP, each / direct, and the p99 the two hops add at c1, c8 and paced. Every process is
// stopped by PID. For quick iterations: SCENARIOS=l7 (a comma list of direct, l4, l7, haproxy) and
// ANCHORS=0; PROXY_NODE_ARGS passes Node flags to the sidecars (profiling).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchAgent } from './bench-agent.js';
import { startHaproxyChain } from './haproxy-chain.js';

const durationSeconds = Number(process.env.DURATION ?? 10);
const pacedRate = Number(process.env.RATE ?? 2000);
const scenarios = new Set((process.env.SCENARIOS ?? 'direct,l4,l7,haproxy').split(','));
const withAnchors = process.env.ANCHORS !== '0';
/** Node flags for the sidecar processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them. */
const proxyNodeArgs = (process.env.PROXY_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
const anchorScript = fileURLToPath(new URL('../../../shared/anchors/proxy-anchor.sh', import.meta.url));
const waitQuiet = fileURLToPath(new URL('../../../shared/anchors/lib/wait-quiet.sh', import.meta.url));
const cliPath = fileURLToPath(new URL('../cmd/taxiway.js', import.meta.url));
const probePath = fileURLToPath(new URL('./latency-probe.js', import.meta.url));

interface LoadResult {
  readonly label: string;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: boolean;
}

function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 1_800_000 }, (error, stdout, stderr) => {
      if (error && stdout === '') reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

function toMs(token: string | undefined): number {
  const value = Number.parseFloat(token ?? '');
  if (token?.endsWith('us') === true) return value / 1000;
  if (token?.endsWith('ms') === true) return value;
  if (token?.endsWith('s') === true) return value * 1000;
  return NaN;
}

async function wrk(label: string, port: number, threads: number, connections: number): Promise<LoadResult> {
  await run('bash', [waitQuiet]).catch(() => '');
  const out = await run('wrk', [`-t${threads}`, `-c${connections}`, `-d${durationSeconds}s`, '--latency', `http://127.0.0.1:${port}/`]);
  const line = (prefix: string) => out.split('\n').find((text) => text.trim().startsWith(prefix))?.trim().split(/\s+/);
  return {
    label: `${label} c${connections}`,
    rps: Number(line('Requests/sec')?.[1] ?? NaN),
    p50Ms: toMs(line('50%')?.[1]),
    p99Ms: toMs(line('99%')?.[1]),
    errors: /Non-2xx|Socket errors/.test(out),
  };
}

/** latency-probe.ts in its own process: `connections` closed loop (rate 0) or paced to `rate` req/s in all. */
async function probe(label: string, port: number, connections: number, rate: number): Promise<LoadResult> {
  await run('bash', [waitQuiet]).catch(() => '');
  const out = await run(process.execPath, [probePath, String(port), String(connections), String(rate), String(durationSeconds)]);
  const parsed = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { rps: number; p50_ms: number; p99_ms: number; errors: number };
  return { label: `${label} ${rate === 0 ? `c${connections}` : `c${connections} paced`}`, rps: parsed.rps, p50Ms: parsed.p50_ms, p99Ms: parsed.p99_ms, errors: parsed.errors > 0 };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const children: ChildProcess[] = [];
function startChild(command: string, args: readonly string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  children.push(child);
  return child;
}
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

async function startNginx(dir: string): Promise<number> {
  const port = await freePort();
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; daemon off; pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'nginx.err')} warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join(' ')}
  server { listen 127.0.0.1:${port}; location / { default_type text/plain; return 200 "ok\\n"; } } }\n`,
  );
  startChild('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'nginx.err')]);
  return port;
}

async function put(baseUrl: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${baseUrl}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

function startProxy(httpAddress: string, sidecarFor: string): Promise<void> {
  const child = startChild(process.execPath, [...proxyNodeArgs, cliPath, 'connect', 'proxy', '-http-addr', httpAddress, '-sidecar-for', sidecarFor, '-log-level', 'warn']);
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`proxy for ${sidecarFor} exited with ${code}`)));
  });
}

async function waitAnswering(port: number): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then((response) => response.status === 200, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing answers on ${port}`);
}

async function measureTaxiway(): Promise<LoadResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'taxiway-bench-proxy-'));
  const agent = await startBenchAgent();
  try {
    const nginxPort = await startNginx(dir);
    const httpAddress = new URL(agent.baseUrl).host;
    await put(agent.baseUrl, '/v1/config', { Kind: 'service-defaults', Name: 'app7', Protocol: 'http' });
    const upstreams = { app4: await freePort(), app7: await freePort() };
    for (const name of ['app4', 'app7']) {
      await put(agent.baseUrl, '/v1/agent/service/register', { Name: name, Address: '127.0.0.1', Port: nginxPort, Connect: { SidecarService: { Port: await freePort() } } });
    }
    const upstreamList = Object.entries(upstreams).map(([name, port]) => ({ DestinationName: name, LocalBindPort: port }));
    await put(agent.baseUrl, '/v1/agent/service/register', { Name: 'client', Address: '127.0.0.1', Port: 1, Connect: { SidecarService: { Port: await freePort(), Proxy: { Upstreams: upstreamList } } } });
    await Promise.all([startProxy(httpAddress, 'app4'), startProxy(httpAddress, 'app7'), startProxy(httpAddress, 'client')]);
    await waitAnswering(nginxPort);
    await waitAnswering(upstreams.app4);
    await waitAnswering(upstreams.app7);
    const results: LoadResult[] = [];
    const chains = [['direct', 'direct nginx', nginxPort], ['l4', 'taxiway L4 mtls 2hop', upstreams.app4], ['l7', 'taxiway L7 mtls 2hop', upstreams.app7]] as const;
    for (const [scenario, label, port] of chains) {
      if (!scenarios.has(scenario)) continue;
      results.push(await wrk(label, port, 2, 64));
      results.push(await wrk(label, port, 1, 8));
      results.push(await probe(label, port, 8, pacedRate));
      results.push(await probe(label, port, 1, 0));
      process.stdout.write(`${JSON.stringify(results.slice(-4))}\n`);
    }
    if (scenarios.has('haproxy')) {
      const chain = startHaproxyChain(dir, nginxPort, [await freePort(), await freePort(), await freePort(), await freePort()]);
      children.push(...chain.processes);
      for (const [label, port] of [['haproxy tcp mtls 2hop', chain.tcpPort], ['haproxy http mtls 2hop', chain.httpPort]] as const) {
        await waitAnswering(port);
        results.push(await wrk(label, port, 1, 8));
        results.push(await probe(label, port, 8, pacedRate));
        results.push(await probe(label, port, 1, 0));
      }
    }
    return results;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    agent.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureAnchors(): Promise<LoadResult[]> {
  const out = await run('bash', [anchorScript], { RUNS: '1', DURATION: String(durationSeconds) });
  return out
    .split('\n')
    .filter((line) => line.startsWith('{"label"'))
    .map((line) => {
      const parsed = JSON.parse(line) as { label: string; rps: number; p50_ms: number; p99_ms: number; errors: number };
      return { label: `${parsed.label} anchor`, rps: parsed.rps, p50Ms: parsed.p50_ms, p99Ms: parsed.p99_ms, errors: parsed.errors > 0 };
    });
}

const taxiway = await measureTaxiway();
const anchors = withAnchors ? await measureAnchors() : [];
const all = [...taxiway, ...anchors];
const find = (label: string) => all.find((result) => result.label === label);
console.log('\n== results (rps, p50/p99 ms; c64 and c8 by wrk, c1 and paced by the probe, the anchors by wrk)');
for (const result of all) console.log(`${result.label.padEnd(36)} ${result.rps.toFixed(0).padStart(8)} rps  p50 ${result.p50Ms.toFixed(3)}  p99 ${result.p99Ms.toFixed(3)}${result.errors ? '  ERRORS' : ''}`);
const ratio = (a: string, b: string) => ((find(a)?.rps ?? NaN) / (find(b)?.rps ?? NaN)).toFixed(2);
const added = (label: string, load: string) => ((find(`${label} ${load}`)?.p99Ms ?? NaN) - (find(`direct nginx ${load}`)?.p99Ms ?? NaN)).toFixed(3);
console.log('\n== ratios (c64 throughput)');
console.log(`taxiway L4 / haproxy tcp mtls 2hop:  ${ratio('taxiway L4 mtls 2hop c64', 'haproxy tcp mtls 2hop c64 anchor')}`);
console.log(`taxiway L7 / haproxy http mtls 2hop: ${ratio('taxiway L7 mtls 2hop c64', 'haproxy http mtls 2hop c64 anchor')}`);
console.log(`taxiway L4 / node tcp mtls 2hop:     ${ratio('taxiway L4 mtls 2hop c64', 'node tcp mtls 2hop c64 anchor')}`);
console.log(`taxiway L4 / direct nginx:           ${ratio('taxiway L4 mtls 2hop c64', 'direct nginx c64')}`);
console.log(`taxiway L7 / direct nginx:           ${ratio('taxiway L7 mtls 2hop c64', 'direct nginx c64')}`);
console.log('\n== p99 added by the two hops (vs our direct nginx at the same load; target < 1 ms at moderate load)');
for (const load of ['c1', 'c8', 'c8 paced']) {
  const hops = (label: string) => `${label}: ${added(label, load)} ms`;
  console.log(`${load.padEnd(8)}: ${['taxiway L4 mtls 2hop', 'taxiway L7 mtls 2hop', 'haproxy tcp mtls 2hop', 'haproxy http mtls 2hop'].map(hops).join('   ')}`);
}
