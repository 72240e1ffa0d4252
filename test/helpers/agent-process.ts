// Real agent processes for integration tests. Each agent gets its own loopback address
// (127.x.y.z), so tests can run in parallel with Consul's default ports and never collide; the
// agent is stopped by PID when the test ends, pass or fail.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';

/** The repository root (this file runs from dist/test/helpers). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const cliPath = join(repoRoot, 'dist/cmd/taxiway.js');

const startDeadlineMs = 20_000;
const stopDeadlineMs = 10_000;

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, host, () => server.close(() => resolvePromise(true)));
  });
}

/** A loopback address no other test is using, on which `port` is free. */
export async function freeLoopbackAddress(port = 8500): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const host = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 256)}.${2 + Math.floor(Math.random() * 250)}`;
    if (await canListen(host, port)) return host;
  }
  throw new Error('no free loopback address found');
}

export interface AgentProcess {
  readonly host: string;
  /** "host:port" of the HTTP API. */
  readonly httpAddress: string;
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after a deadline); resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `taxiway <args>` and collects its output; for commands that end by themselves. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`taxiway ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Starts `taxiway agent -dev` (plus `args`) on a fresh loopback address and waits until it serves HTTP. */
export async function startAgent(t: ExecutionContext, args: readonly string[] = [], options: { dev?: boolean } = {}): Promise<AgentProcess> {
  const host = await freeLoopbackAddress();
  const base = options.dev === false ? [] : ['-dev'];
  const child = spawn(process.execPath, [cliPath, 'agent', ...base, '-bind', host, '-client', host, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), stopDeadlineMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  t.teardown(async () => {
    await stop();
  });
  const httpAddress = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start within ${startDeadlineMs} ms:\n${output}`)), startDeadlineMs);
    const look = (): void => {
      const match = /HTTP API: http:\/\/(\S+)/.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolvePromise(match[1]);
    };
    child.stdout?.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code} before serving:\n${output}`));
    });
  });
  return { host, httpAddress, baseUrl: `http://${httpAddress}`, child, output: () => output, stop };
}
