// Real processes for tests: dev agents (`taxiway agent -dev`) and CLI runs (`taxiway ...`).
// Each agent binds its own random loopback address (127.x.y.z), so test files run in parallel on
// Consul's default ports without colliding; an agent that exits before listening (an address or
// port taken) is retried on a new address. Agents are stopped by PID when the test ends (startAgent)
// or the file ends (startDevAgent + stop), and killed if the test worker exits some other way.
// Every wait has a deadline; nothing sleeps for a fixed time.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';

/** The repository root and the compiled CLI (this file runs from dist/test/helpers). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../cmd/taxiway.js', import.meta.url));

const agentStartDeadlineMs = 20_000;
const agentStopDeadlineMs = 10_000;
const cliDeadlineMs = 20_000;
/** Kept from an agent's output for failure messages; dev agents log at debug level. */
const agentOutputBytesKept = 64 * 1024;

const runningAgents = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of runningAgents) child.kill('SIGKILL');
});

/** This process's environment without the variables that would point the CLI elsewhere. */
export function cleanEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(CONSUL|TAXIWAY)_/.test(key)) env[key] = value;
  }
  return env;
}

export function randomLoopback(): string {
  return `127.${randomInt(1, 251)}.${randomInt(0, 256)}.${randomInt(2, 252)}`;
}

/** A loopback address on which `port` is free (for tests that bind something themselves). */
export async function freeLoopbackAddress(port = 8500): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const host = randomLoopback();
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    if (free) return host;
  }
  throw new Error('no free loopback address found');
}

export interface DevAgent {
  /** The loopback IP the agent binds everything to, e.g. "127.23.45.67". */
  readonly host: string;
  /** "host:port" of the HTTP API, for -http-addr and CONSUL_HTTP_ADDR. */
  readonly httpAddress: string;
  readonly baseUrl: string;
  /** The DNS port (UDP and TCP) on `host`: -dns-port when given, else Consul's 8600. */
  readonly dnsPort: number;
  readonly child: ChildProcess;
  /** The tail of everything the agent printed (stdout and stderr). */
  output(): string;
  /** Sends `signal` (SIGTERM), then SIGKILL after a deadline; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface AgentOptions {
  /** Run with -dev (default true). */
  readonly dev?: boolean;
  readonly attempts?: number;
}

/** Starts an agent with `args` on a fresh loopback address and waits until it serves HTTP. */
export async function startDevAgent(args: readonly string[] = [], options: AgentOptions = {}): Promise<DevAgent> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < (options.attempts ?? 4); attempt++) {
    try {
      return await startOn(randomLoopback(), args, options.dev ?? true);
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError ?? new Error('no attempt made');
}

/** startDevAgent, stopped when the test ends (pass or fail). */
export async function startAgent(t: ExecutionContext, args: readonly string[] = [], options: AgentOptions = {}): Promise<DevAgent> {
  const agent = await startDevAgent(args, options);
  t.teardown(async () => {
    await agent.stop();
  });
  return agent;
}

/** The value of -dns-port in `args` (also "-dns-port=N"), else 8600. */
function dnsPortOf(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const inline = /^--?dns-port=(-?\d+)$/.exec(arg);
    if (inline !== null) return Number(inline[1]);
    if (/^--?dns-port$/.test(arg)) return Number(args[i + 1]);
  }
  return 8600;
}

/** Starts an agent bound to `host` (a loopback address the caller chose) and waits until it serves HTTP. */
export function startOn(host: string, args: readonly string[], dev: boolean): Promise<DevAgent> {
  const argv = [cliPath, 'agent', ...(dev ? ['-dev'] : []), '-bind', host, '-client', host, ...args];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnvironment() });
  runningAgents.add(child);
  let kept = '';
  // Both pipes are drained for the agent's whole life: a full pipe would block its logging.
  const keep = (chunk: Buffer): void => {
    kept = (kept + chunk.toString('utf8')).slice(-agentOutputBytesKept);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => runningAgents.delete(child));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), agentStopDeadlineMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise<DevAgent>((resolve, reject) => {
    const settle = (result: DevAgent | Error): void => {
      clearTimeout(deadline);
      child.stdout?.off('data', watchForReady);
      child.off('exit', onEarlyExit);
      if (!(result instanceof Error)) return resolve(result);
      void stop().finally(() => reject(result));
    };
    const deadline = setTimeout(() => settle(new Error(`agent on ${host} did not serve HTTP within ${agentStartDeadlineMs} ms:\n${kept}`)), agentStartDeadlineMs);
    const watchForReady = (): void => {
      const httpAddress = /HTTP API: http:\/\/(\S+)/.exec(kept)?.[1];
      if (httpAddress !== undefined) settle({ host, httpAddress, baseUrl: `http://${httpAddress}`, dnsPort: dnsPortOf(args), child, output: () => kept, stop });
    };
    const onEarlyExit = (code: number | null): void => settle(new Error(`agent on ${host} exited (${code}) before listening:\n${kept}`));
    child.stdout?.on('data', watchForReady);
    child.once('exit', onEarlyExit);
  });
}

export interface CliResult {
  /** The exit status; null when the process was killed (then `signal` says by what). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Extra environment, over a copy of this process's with every CONSUL_* and TAXIWAY_* removed. */
  readonly env?: Readonly<Record<string, string>>;
  readonly deadlineMs?: number;
  /** Written to the CLI's stdin, which is then closed (default: no stdin). */
  readonly input?: string;
}

/** Runs `taxiway <args>` to completion (killed at the deadline) and returns its exit and output. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const stdin = options.input === undefined ? 'ignore' : 'pipe';
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: [stdin, 'pipe', 'pipe'], env: { ...cleanEnvironment(), ...options.env } });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const deadline = setTimeout(() => child.kill('SIGKILL'), options.deadlineMs ?? cliDeadlineMs);
  return new Promise<CliResult>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    // 'close', not 'exit': it fires after the output pipes are drained.
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A temporary directory holding the given files; removed by the returned function. */
export async function writeTempFiles(files: Readonly<Record<string, string>>): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'taxiway-test-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The lines of an output, without the final newline's empty line. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}


export interface RunningCli {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its pipes are drained. */
  readonly result: Promise<CliResult>;
}

/**
 * Starts `taxiway <args>` without waiting for it (a lock holder, a watch), killed with SIGKILL
 * when the test ends if it is still running, or at `deadlineMs`.
 */
export function startCli(t: ExecutionContext, args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...cleanEnvironment(), ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const deadline = setTimeout(() => child.kill('SIGKILL'), options.deadlineMs ?? 60_000);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
  t.teardown(() => {
    clearTimeout(deadline);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => stdout, stderr: () => stderr, result };
}

/** Polls `condition` every 50 ms until it holds; throws with `what` after `deadlineMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const startMs = performance.now();
  for (;;) {
    if (await condition()) return;
    if (performance.now() - startMs > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
