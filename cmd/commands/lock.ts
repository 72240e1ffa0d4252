// `taxiway lock [-n N] <prefix> <command...>`: run a command while holding a lock on
// <prefix>/.lock (or, with -n > 1, one of N semaphore slots under <prefix>), as Consul's
// command/lock: the lock is released and the session destroyed when the command exits; if the
// lock is lost (session invalidated, key deleted) or taxiway is interrupted, the command gets
// SIGTERM, then SIGKILL after a grace period. Exit status: 0, or with -child-exit-code 2 when the
// command failed (Consul's rule; the command's own status is not passed through).

import { posix } from 'node:path';
import type { Command } from 'commander';
import { getAgentNodeName, KvLock, KvSemaphore, LockError, semaphoreKeyName, type ApiClient, type ClientFlags } from '../../src/api/index.js';
import { parseGoDuration } from '../../src/lib/duration.js';
import { SystemClock } from '../../src/lib/clock.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';
import { argumentsAsTyped, onShutdownSignals, signalChild, startChild, type RunningChild } from './child-process.js';
import { parseGoBool } from '../../src/lib/go-bool.js';

/**
 * Consul's lockKillGracePeriod: time between SIGTERM and SIGKILL. Short against the 15 s default
 * lock-delay, so a killed holder is gone before anyone else can take the lock.
 */
const lockKillGraceMs = 5_000;
/** Consul's defaultMonitorRetryTime: pause between retries of a failed read of the held lock. */
const monitorRetryMs = 1_000;

interface LockFlags extends ClientFlags {
  readonly n: string;
  readonly timeout: string;
  readonly try?: string;
  readonly name?: string;
  readonly passStdin?: boolean;
  readonly verbose?: boolean;
  readonly monitorRetry: string;
  readonly childExitCode?: boolean;
  readonly shell?: string | boolean;
}

/** What the flags mean once checked. */
interface LockPlan {
  readonly limit: number;
  readonly prefix: string;
  readonly child: readonly string[];
  readonly timeoutMs: number;
  readonly sessionName: string;
  readonly monitorRetries: number;
  readonly shell: boolean;
}

export function registerLockCommand(program: Command): void {
  // Everything after the prefix is the child command, flags included (Go's flag parsing stops at
  // the first argument that is not a flag).
  program.enablePositionalOptions();
  addConnectionFlags(program.command('lock').description('Execute a command holding a lock').argument('[prefix]').argument('[child...]'), { server: true })
    .option('--n <limit>', 'Number of lock holders allowed at once; above 1 a semaphore is used', '1')
    .option('--timeout <duration>', 'Maximum time to wait for the lock, e.g. "1s" (0: wait forever)', '0s')
    .option('--try <duration>', 'Deprecated: use -timeout')
    .option('--name <name>', 'Name of the lock session (default: made from the command and prefix)')
    .option('--pass-stdin', 'Pass stdin to the child process')
    .option('--verbose', 'Enable verbose (debugging) output')
    .option('--monitor-retry <count>', 'Times to retry a failed (500 or unreachable) read of the held lock, 1 s apart', '3')
    .option('--child-exit-code', 'Exit 2 when the child process exited with an error')
    .option('--shell [bool]', 'Run the command with $SHELL -c (default true)')
    .passThroughOptions()
    .allowExcessArguments(true)
    .action((_prefix: unknown, _child: unknown, flags: LockFlags, command: Command) => runLock(flags, command));
}

/**
 * A message on stderr that does not fail the command: Consul reports a failed child this way and
 * still exits 0 unless -child-exit-code is given.
 */
function warn(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Checks the flags in Consul's order; the plan, or the message to fail with. */
function planOf(flags: LockFlags, args: readonly string[]): LockPlan | string {
  const limitText = flags.n;
  if (!/^[+-]?\d+$/.test(limitText)) return `invalid value ${JSON.stringify(limitText)} for flag -n: parse error`;
  const timeoutText = flags.try ?? flags.timeout;
  const timeoutMs = timeoutText === '0' ? 0 : parseGoDuration(timeoutText);
  if (timeoutMs === undefined) return `invalid value ${JSON.stringify(timeoutText)} for flag -timeout: parse error`;
  if (!/^[+-]?\d+$/.test(flags.monitorRetry)) return `invalid value ${JSON.stringify(flags.monitorRetry)} for flag -monitor-retry: parse error`;
  const shell = typeof flags.shell === 'string' ? parseGoBool(flags.shell) : true;
  if (shell === undefined) return `invalid boolean value ${JSON.stringify(flags.shell)} for -shell: parse error`;
  const limit = Number(limitText);
  if (limit <= 0) return 'Lock holder limit must be positive';
  if (args.length < 2) return 'Key prefix and child command must be specified';
  const prefix = (args[0] ?? '').replace(/^\//, '');
  if (timeoutMs < 0) return 'Timeout must be positive';
  const child = argumentsAsTyped(args.slice(1));
  const sessionName = flags.name ?? `Consul lock for '${child.join(' ')}' at '${prefix}'`;
  const monitorRetries = Number(flags.monitorRetry);
  if (monitorRetries < 0) return "Number for 'monitor-retry' must be >= 0";
  return { limit, prefix, child, timeoutMs, sessionName, monitorRetries, shell };
}

async function runLock(flags: LockFlags, command: Command): Promise<void> {
  const plan = planOf(flags, command.args);
  if (typeof plan === 'string') return fail(plan);
  await withApiClient(flags, async (client) => {
    try {
      await getAgentNodeName(client);
    } catch (error) {
      return fail(`Error querying Consul agent: ${messageOf(error)}`);
    }
    const shutdown = new AbortController();
    let child: RunningChild | undefined;
    const stopListening = onShutdownSignals((signal) => {
      // Consul forwards the signal to the child, then shuts down (killing the child if it lingers).
      if (child !== undefined) signalChild(child.process, signal);
      shutdown.abort();
    });
    try {
      await holdAndRun(client, plan, flags, shutdown.signal, (started) => (child = started));
    } finally {
      stopListening();
    }
  });
}

function contenderOf(client: ApiClient, plan: LockPlan, verbose: boolean): KvLock | KvSemaphore {
  const deps = { client, clock: new SystemClock() };
  const common = { sessionName: plan.sessionName, monitorRetries: plan.monitorRetries, monitorRetryMs, tryOnce: plan.timeoutMs > 0, waitMs: plan.timeoutMs };
  if (plan.limit === 1) {
    // The semaphore's key name, so that a lock and a semaphore on one prefix conflict visibly.
    const key = posix.join(plan.prefix, semaphoreKeyName);
    if (verbose) output(`Setting up lock at path: ${key}`);
    return new KvLock(deps, { ...common, key });
  }
  if (verbose) output(`Setting up semaphore (limit ${plan.limit}) at prefix: ${plan.prefix}`);
  return new KvSemaphore(deps, { ...common, prefix: plan.prefix, limit: plan.limit });
}

async function holdAndRun(client: ApiClient, plan: LockPlan, flags: LockFlags, shutdown: AbortSignal, onChild: (child: RunningChild) => void): Promise<void> {
  const verbose = flags.verbose === true;
  const info = (line: string): void => (verbose ? output(line) : undefined);
  const contender = contenderOf(client, plan, verbose);
  info('Attempting lock acquisition');
  let lost: AbortSignal | null;
  try {
    lost = await contender.acquire(shutdown);
  } catch (error) {
    return fail(`Lock acquisition failed: ${messageOf(error)}`);
  }
  if (lost === null) return fail('Shutdown triggered or timeout during lock acquisition');
  let childCode = 0;
  if (shutdown.aborted) {
    warn('Shutdown triggered during lock acquisition');
  } else {
    childCode = await runWhileHeld(plan, flags, shutdown, lost, onChild, info);
  }
  try {
    await contender.release();
  } catch (error) {
    return fail(`Lock release failed: ${messageOf(error)}`);
  }
  try {
    await contender.destroy();
    info('Cleanup succeeded');
  } catch (error) {
    if (!(error instanceof LockError && error.code === 'in-use')) return fail(`Lock cleanup failed: ${messageOf(error)}`);
    info('Cleanup aborted, lock in use');
  }
  if (flags.childExitCode === true) process.exitCode = childCode;
}

/** Runs the child until it exits, the lock is lost or a shutdown signal comes; returns Consul's child code (0 or 2). */
async function runWhileHeld(plan: LockPlan, flags: LockFlags, shutdown: AbortSignal, lost: AbortSignal, onChild: (child: RunningChild) => void, info: (line: string) => void): Promise<number> {
  info('Starting handler');
  let child: RunningChild;
  try {
    child = await startChild({ args: plan.child, shell: plan.shell, env: { CONSUL_LOCK_HELD: 'true' }, stdin: flags.passStdin === true ? 'inherit' : 'ignore' });
  } catch (error) {
    warn(`Error starting handler: ${messageOf(error)}`);
    return 2;
  }
  onChild(child);
  const aborted = (signal: AbortSignal, outcome: 'shutdown' | 'lost'): Promise<'shutdown' | 'lost'> =>
    signal.aborted ? Promise.resolve(outcome) : new Promise((resolve) => signal.addEventListener('abort', () => resolve(outcome), { once: true }));
  const outcome = await Promise.race([child.exited.then((error) => ({ error })), aborted(shutdown, 'shutdown'), aborted(lost, 'lost')]);
  if (typeof outcome === 'object') {
    if (outcome.error !== undefined) warn(`Error running handler: ${outcome.error}`);
    info('Child terminated, releasing lock');
    return outcome.error === undefined ? 0 : 2;
  }
  info(outcome === 'shutdown' ? 'Shutdown triggered, killing child' : 'Lock lost, killing child');
  await killChild(child, info);
  return 0;
}

/** SIGTERM, then SIGKILL if the child is still there after the grace period. */
async function killChild(child: RunningChild, info: (line: string) => void): Promise<void> {
  const pid = child.process.pid ?? 0;
  info(`Terminating child pid ${pid}`);
  if (!signalChild(child.process, 'SIGTERM')) return;
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), lockKillGraceMs)));
  const timedOut = await Promise.race([child.exited.then(() => false), graceOver]);
  clearTimeout(timer);
  if (!timedOut) return info('Child terminated');
  info(`Child did not exit after grace period of ${lockKillGraceMs / 1000}s`);
  info(`Killing child pid ${pid}`);
  signalChild(child.process, 'SIGKILL');
  await child.exited;
}
