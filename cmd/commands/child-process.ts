// Running the user's command for `lock` and `watch` as Consul's agent.ExecScript does: joined with
// spaces and given to `$SHELL -c` (/bin/sh when SHELL is unset), or run directly with -shell=false.
// The child gets its own process group so that stopping it also stops what its shell started
// (a shell killed alone would leave its `sleep` running, still holding our output pipes).

import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface ChildOptions {
  readonly args: readonly string[];
  readonly shell: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: 'inherit' | 'ignore' | 'pipe';
}

export interface RunningChild {
  readonly process: ChildProcess;
  /** Resolves when the child has exited: undefined on success, else Go's error text ("exit status 2"). */
  readonly exited: Promise<string | undefined>;
}

/** Starts the child; throws (with Node's message) when it cannot be started at all. */
export async function startChild(options: ChildOptions): Promise<RunningChild> {
  const [file, ...argv] = options.shell ? [process.env.SHELL || '/bin/sh', '-c', options.args.join(' ')] : options.args;
  if (file === undefined) throw new Error('no command given');
  const stdio: StdioOptions = [options.stdin, 'inherit', 'inherit'];
  const child = spawn(file, argv, { stdio, env: { ...process.env, ...options.env }, detached: true });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const exited = new Promise<string | undefined>((resolve) => {
    child.once('exit', (code, signal) => resolve(goExitText(code, signal)));
  });
  return { process: child, exited };
}

/** Go's os/exec ExitError text, or undefined for a clean exit. */
export function goExitText(code: number | null, signal: NodeJS.Signals | null): string | undefined {
  if (signal !== null) return `signal: ${goSignalName(signal)}`;
  return code === 0 ? undefined : `exit status ${code ?? -1}`;
}

function goSignalName(signal: NodeJS.Signals): string {
  const names: Partial<Record<NodeJS.Signals, string>> = { SIGTERM: 'terminated', SIGKILL: 'killed', SIGINT: 'interrupt', SIGHUP: 'hangup', SIGQUIT: 'quit' };
  return names[signal] ?? signal;
}

/** Sends `signal` to the child's process group; false when it is already gone. */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Calls `onSignal` for each SIGINT/SIGTERM this process receives (instead of dying) until the
 * returned function is called.
 */
export function onShutdownSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  const handler = (signal: NodeJS.Signals): void => onSignal(signal);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * The command line as typed for the trailing `normalized` arguments. cmd/argv.ts rewrites
 * `-name` to `--name` wherever `name` is one of the command's flags, including inside the child
 * command (`lock p echo -n` would run `echo --n`); Go's flag parsing stops at the first argument
 * that is not a flag, so Consul passes them untouched. The rewrite maps each argument to one, so
 * the same number of arguments at the end of process.argv are the originals; when that does not
 * line up (a `-x=false` was dropped), the normalized arguments are kept.
 */
export function argumentsAsTyped(normalized: readonly string[]): readonly string[] {
  if (normalized.length === 0) return normalized;
  const typed = process.argv.slice(process.argv.length - normalized.length);
  const linesUp = typed.length === normalized.length && normalized.every((arg, index) => arg === typed[index] || arg === `-${typed[index]}`);
  return linesUp ? typed : normalized;
}
