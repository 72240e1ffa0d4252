// Script checks (Args), as Consul's CheckMonitor: the process's exit code is the status (0 passing,
// 1 warning, anything else critical) and its stdout+stderr the output. The process runs in its own
// process group so that at the timeout the whole group — the script and anything it started — is
// killed with SIGKILL; only the last bytes of the output are kept (with Consul's "Captured N of M
// bytes" note when there was more), so a script that floods costs a few KiB. At most limits.scriptChecksConcurrentMax scripts run at once.

import { spawn } from 'node:child_process';
import { limits } from '../../lib/limits.js';
import type { CheckDefinition } from '../../structs/check.js';
import { TailOutput } from '../output.js';
import type { Semaphore } from '../semaphore.js';
import type { CheckResult } from '../status.js';
import { type CheckRunner, critical, errorText } from './runner.js';

export function statusOfExitCode(code: number | null): CheckResult['status'] {
  if (code === 0) return 'passing';
  if (code === 1) return 'warning';
  return 'critical';
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    // A negative pid signals the whole process group the script leads (spawned detached).
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function runOnce(args: readonly string[], timeoutText: string, signal: AbortSignal): Promise<CheckResult> {
  return new Promise((resolve) => {
    const output = new TailOutput(limits.scriptOutputBytesMax);
    const child = spawn(args[0] ?? '', args.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    const onAbort = (): void => {
      timedOut = true;
      killGroup(child.pid);
    };
    const collect = (chunk: Buffer): void => output.push(chunk);
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      resolve(critical(`Check failed to start: ${errorText(error)}`));
    });
    // 'close' comes after the pipes are drained; a background child holding them open is
    // killed with the group at the timeout, so this always comes.
    child.once('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (timedOut) return resolve(critical(timeoutText));
      const tail = output.tail();
      const text = output.truncated() ? `Captured ${limits.scriptOutputBytesMax} of ${output.totalBytes} bytes\n...\n${tail}` : tail;
      resolve({ status: statusOfExitCode(code), output: text });
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function scriptRunner(definition: CheckDefinition, slots: Semaphore, timeoutText: string): CheckRunner {
  const args = [...definition.ScriptArgs];
  return {
    async run(signal: AbortSignal): Promise<CheckResult> {
      const release = await slots.acquire(signal);
      if (release === undefined) return critical(`${timeoutText} (waited for a free script slot)`);
      try {
        return await runOnce(args, timeoutText, signal);
      } finally {
        release();
      }
    },
    close: () => Promise.resolve(),
  };
}
