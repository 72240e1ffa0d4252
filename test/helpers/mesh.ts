// Real mesh pieces for proxy tests: `taxiway connect proxy` processes (stopped by PID at the end
// of the test), small apps on loopback, free ports, and requests through a local port.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { cleanEnvironment, cliPath, type DevAgent, startDevAgent } from './agent-process.js';

const proxyStartDeadlineMs = 20_000;

export interface ProxyProcess {
  readonly child: ChildProcess;
  /** The ports the proxy reported on stdout once it was listening. */
  readonly ports: { public: number; upstreams: Record<string, number>; metrics: number };
  /** stderr (logs), the last 64 KiB. */
  output(): string;
  /** stdout (the ports line, then access logs), the last 1 MiB. */
  stdout(): string;
  stop(): Promise<void>;
}

/** A port that was free on `host` a moment ago (the kernel picked it). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `taxiway connect proxy <args>` against `agent` and waits for its listening line. */
export function startProxyProcess(t: ExecutionContext, agent: DevAgent, args: readonly string[]): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [cliPath, 'connect', 'proxy', '-http-addr', agent.httpAddress, '-log-level', 'debug', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnvironment(),
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  t.teardown(stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start in time:\n${output}`)), proxyStartDeadlineMs);
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-64 * 1024)));
    let stdout = '';
    let started = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString('utf8')).slice(-1024 * 1024);
      const line = stdout.split('\n')[0] ?? '';
      if (started || !stdout.includes('\n')) return;
      started = true;
      clearTimeout(timer);
      try {
        const parsed = JSON.parse(line) as ProxyProcess['ports'];
        resolve({ child, ports: parsed, output: () => output, stdout: () => stdout, stop });
      } catch {
        reject(new Error(`unexpected proxy output: ${line}\n${output}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code}:\n${output}`));
    });
  });
}

/** An HTTP app answering `<name> <method> <url>` (and echoing bodies), closed at test end. */
export async function startHttpApp(t: ExecutionContext, host: string, name: string): Promise<{ server: Server; port: number }> {
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => response.end(`${name} ${request.method} ${request.url}${chunks.length > 0 ? ` ${Buffer.concat(chunks).toString()}` : ''}`));
  });
  // Idle keep-alive connections stay open for tests that hold one across a slow event.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

/** One HTTP GET on a fresh connection; rejects on a closed or reset connection. */
export function get(host: string, port: number, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host, port, path, headers, agent: false, timeout: 5000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}

/** Retries `check` until it returns true or `deadlineMs` passes. */
export async function eventually(check: () => Promise<boolean>, deadlineMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} not reached within ${deadlineMs} ms`);
}

/** One agent API call that must answer 200; the decoded JSON body (undefined when empty). */
/**
 * One dev agent for all the tests of a file: started before them (handed to `onStarted`), stopped
 * after them, also on failure. Returns a call of its HTTP API (see agentApi).
 */
export function devAgentForFile(onStarted: (agent: DevAgent) => void): (method: string, path: string, body?: unknown) => Promise<unknown> {
  let current: DevAgent | undefined;
  test.before(async () => {
    current = await startDevAgent();
    onStarted(current);
  });
  test.after.always(async () => {
    await current?.stop();
  });
  return (method, path, body) => {
    if (current === undefined) return Promise.reject(new Error('the dev agent has not started'));
    return agentApi(current, method, path, body);
  };
}

/** W3C trace context and B3 headers as a tracer would send them: the proxies must pass them on unchanged. */
export const sampleTraceHeaders = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: 'congo=t61rcWkgMzE',
  'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
  'x-b3-spanid': 'e457b5a2e4d86bd1',
  'x-b3-sampled': '1',
  b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
} as const;

/**
 * Registers `name` (an app without a port of its own) with a sidecar whose one upstream is
 * `upstream` on host:<a free port>; returns that port, where the caller's requests go.
 */
export async function registerCaller(api: (method: string, path: string, body?: unknown) => Promise<unknown>, host: string, name: string, upstream: string): Promise<number> {
  const upstreamPort = await freePort(host);
  await api('PUT', '/v1/agent/service/register', {
    Name: name,
    Address: host,
    Port: 1,
    Connect: { SidecarService: { Port: await freePort(host), Proxy: { Upstreams: [{ DestinationName: upstream, LocalBindAddress: host, LocalBindPort: upstreamPort }] } } },
  });
  return upstreamPort;
}

export async function agentApi(agent: DevAgent, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${agent.baseUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}
