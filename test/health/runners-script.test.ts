// Goal: script checks map exit codes as Consul does, kill the whole process group at the timeout,
// bound a flood of output, and never run more processes at once than the limit. Method: real
// /bin/sh child processes; a killed group is confirmed gone with signal 0.

import test from 'ava';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptRunner, statusOfExitCode } from '../../src/health/runners/script.js';
import { Semaphore } from '../../src/health/semaphore.js';
import { type CheckDefinition, checkDefinitionSchema } from '../../src/structs/check.js';
import { zeroValue } from '../../src/structs/schema.js';
import { eventually } from './servers.js';

const definition = (args: string[]): CheckDefinition => ({ ...zeroValue(checkDefinitionSchema), ScriptArgs: args, Interval: 1000 });

async function runScript(args: string[], timeoutMs = 5000, slots = new Semaphore(4)) {
  const runner = scriptRunner(definition(args), slots, `Timed out (${timeoutMs}ms) running check`);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    return await runner.run(abort.signal);
  } finally {
    clearTimeout(timer);
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('exit codes: 0 passing, 1 warning, anything else critical', (t) => {
  t.is(statusOfExitCode(0), 'passing');
  t.is(statusOfExitCode(1), 'warning');
  t.is(statusOfExitCode(2), 'critical');
  t.is(statusOfExitCode(null), 'critical');
});

test('a script\'s exit code and its stdout+stderr become the result', async (t) => {
  t.deepEqual(await runScript(['/bin/sh', '-c', 'echo fine']), { status: 'passing', output: 'fine\n' });
  t.deepEqual(await runScript(['/bin/sh', '-c', 'echo slow >&2; exit 1']), { status: 'warning', output: 'slow\n' });
  t.is((await runScript(['/bin/sh', '-c', 'exit 3'])).status, 'critical');
});

test('a missing executable is critical, not a crash', async (t) => {
  const result = await runScript(['/no/such/program']);
  t.is(result.status, 'critical');
  t.regex(result.output, /ENOENT/);
});

test('a script that hangs is killed at the timeout with its whole process group', async (t) => {
  const pidFile = join(tmpdir(), `taxiway-script-${process.pid}-${Date.now()}`);
  t.teardown(() => rm(pidFile, { force: true }));
  // The script starts a grandchild in the background, records its pid, then hangs itself.
  const result = await runScript(['/bin/sh', '-c', `sleep 60 & echo $! > ${pidFile}; sleep 60`], 500);
  t.deepEqual(result, { status: 'critical', output: 'Timed out (500ms) running check' });
  const grandchild = Number((await readFile(pidFile, 'utf8')).trim());
  await eventually('the background grandchild to be killed', () => !alive(grandchild), 3000);
  t.pass();
});

test('a script that floods output keeps only the bound, with the count of the rest', async (t) => {
  const result = await runScript(['/bin/sh', '-c', 'head -c 5000000 /dev/zero | tr "\\0" "x"; echo done; exit 0']);
  t.is(result.status, 'passing');
  // Consul's note, then the last 4 KiB: the end of the output, where the verdict is.
  t.is(result.output, `Captured 4096 of 5000005 bytes\n...\n${'x'.repeat(4091)}done\n`);
});

test('no more scripts run at once than the semaphore allows; a waiter gives up at its timeout', async (t) => {
  const slots = new Semaphore(1);
  const first = runScript(['/bin/sh', '-c', 'sleep 0.5'], 5000, slots);
  const second = await runScript(['/bin/sh', '-c', 'echo never'], 100, slots);
  t.is(second.status, 'critical');
  t.regex(second.output, /waited for a free script slot/);
  t.is((await first).status, 'passing');
});
