// Goal: `taxiway lock` gives mutual exclusion (and N-way exclusion with -n) between processes,
// releases the lock when its command exits, kills the command and frees the lock when the lock
// is lost (session destroyed) or taxiway is told to stop, and cleans up its session.
// Method: real `taxiway lock` processes against one dev agent. Each command appends "<name>
// start" to a shared log file, then waits for its own gate file, then appends "<name> end"; the
// test opens gates and waits for conditions (log lines, sessions in /v1/session/list, the lock
// key) with deadlines, never sleeping for a fixed time. Every test has its own key prefix.

import test, { type ExecutionContext } from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lockFlagValue } from '../../src/api/index.js';
import { startCli, startDevAgent, waitFor, writeTempFiles, type DevAgent, type RunningCli } from '../helpers/agent-process.js';

let agent: DevAgent | undefined;

function http(): string {
  if (agent === undefined) throw new Error('agent not started');
  return `-http-addr=${agent.httpAddress}`;
}

test.before(async () => {
  agent = await startDevAgent();
});

test.after.always(async () => {
  await agent?.stop();
});

interface Scene {
  readonly dir: string;
  readonly logPath: string;
  log(): Promise<string[]>;
  open(name: string): Promise<void>;
  /** The shell command of contender `name`: log start, wait for the gate, log end. */
  command(name: string): string;
}

async function scene(t: ExecutionContext): Promise<Scene> {
  const files = await writeTempFiles({ 'log.txt': '' });
  t.teardown(files.remove);
  const logPath = join(files.dir, 'log.txt');
  return {
    dir: files.dir,
    logPath,
    log: async () => (await readFile(logPath, 'utf8')).split('\n').filter((line) => line !== ''),
    open: (name) => writeFile(join(files.dir, `gate-${name}`), ''),
    command: (name) => `echo "${name} start $CONSUL_LOCK_HELD" >> ${logPath}; while [ ! -e ${join(files.dir, `gate-${name}`)} ]; do sleep 0.05; done; echo "${name} end" >> ${logPath}`,
  };
}

interface SessionSummary {
  readonly ID: string;
  readonly Name: string;
  readonly Behavior: string;
  readonly TTL: string;
}

/** The sessions `taxiway lock` made for `prefix` (their name ends in "at '<prefix>'"). */
async function sessionsFor(prefix: string): Promise<SessionSummary[]> {
  const sessions = (await (await fetch(`${agent?.baseUrl}/v1/session/list`)).json()) as SessionSummary[];
  return sessions.filter((session) => session.Name.endsWith(`at '${prefix}'`));
}

async function lockEntry(key: string): Promise<{ Session?: string; Flags: number } | undefined> {
  const response = await fetch(`${agent?.baseUrl}/v1/kv/${key}`);
  if (response.status === 404) return undefined;
  return ((await response.json()) as { Session?: string; Flags: number }[])[0];
}

function lock(t: ExecutionContext, args: string[]): RunningCli {
  return startCli(t, ['lock', http(), ...args], { deadlineMs: 90_000 });
}

test('two lock processes on one prefix run their commands one at a time; the lock is released when a command exits', async (t) => {
  const s = await scene(t);
  const a = lock(t, ['mutex', s.command('a')]);
  const b = lock(t, ['mutex', s.command('b')]);
  await waitFor('a first command to start', async () => (await s.log()).length >= 1, 30_000);
  // Both processes are in the game: the holder, and the other one blocked on the lock key.
  await waitFor('both sessions to exist', async () => (await sessionsFor('mutex')).length === 2, 30_000);
  const [first] = await s.log();
  const holder = first?.startsWith('a ') === true ? 'a' : 'b';
  const waiter = holder === 'a' ? 'b' : 'a';
  t.is(first, `${holder} start true`, 'the command runs with CONSUL_LOCK_HELD=true');
  const entry = await lockEntry('mutex/.lock');
  t.truthy(entry?.Session, 'the holder\'s session holds mutex/.lock');
  t.deepEqual(await s.log(), [`${holder} start true`], 'the other command has not started while the lock is held');

  // A third contender with a deadline gives up while the lock is held.
  const timedOut = await lock(t, ['-timeout=500ms', 'mutex', 'true']).result;
  t.is(timedOut.code, 1);
  t.is(timedOut.stderr, 'Shutdown triggered or timeout during lock acquisition\n');

  await s.open(holder);
  await waitFor('the waiter to take over', async () => (await s.log()).length >= 3, 45_000);
  t.deepEqual((await s.log()).slice(0, 3), [`${holder} start true`, `${holder} end`, `${waiter} start true`]);
  const holderResult = await (holder === 'a' ? a : b).result;
  t.is(holderResult.code, 0, holderResult.stderr);
  await s.open(waiter);
  const waiterResult = await (waiter === 'a' ? a : b).result;
  t.is(waiterResult.code, 0, waiterResult.stderr);
  t.deepEqual(await s.log(), [`${holder} start true`, `${holder} end`, `${waiter} start true`, `${waiter} end`]);
  // The last one out deletes the unheld lock key; every session is destroyed.
  t.is(await lockEntry('mutex/.lock'), undefined);
  t.deepEqual(await sessionsFor('mutex'), []);
});

test('destroying the holder\'s session kills its command and frees the lock', async (t) => {
  const s = await scene(t);
  const pidPath = join(s.dir, 'pid');
  const holder = lock(t, ['-verbose', 'lost', `echo $$ > ${pidPath}; ${s.command('a')}`]);
  await waitFor('the command to start', async () => (await s.log()).length === 1, 30_000);
  const session = (await lockEntry('lost/.lock'))?.Session ?? '';
  t.not(session, '');
  const [summary] = await sessionsFor('lost');
  t.is(summary?.TTL, '15s');
  const destroyed = await fetch(`${agent?.baseUrl}/v1/session/destroy/${session}`, { method: 'PUT' });
  t.is(destroyed.status, 200);
  const result = await holder.result;
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /Lock lost, killing child\nTerminating child pid \d+\nChild terminated\n/);
  t.deepEqual(await s.log(), ['a start true'], 'the command was stopped before it could finish');
  const pid = Number((await readFile(pidPath, 'utf8')).trim());
  t.throws(() => process.kill(pid, 0), undefined, 'the command\'s shell is gone');
  const entry = await lockEntry('lost/.lock');
  t.true(entry === undefined || entry.Session === undefined, 'nobody holds the lock');
  t.deepEqual(await sessionsFor('lost'), []);
});

test('SIGTERM to taxiway lock stops the command, releases the lock and destroys the session', async (t) => {
  const s = await scene(t);
  const holder = lock(t, ['term', s.command('a')]);
  await waitFor('the command to start', async () => (await s.log()).length === 1, 30_000);
  t.is((await sessionsFor('term')).length, 1);
  holder.child.kill('SIGTERM');
  const result = await holder.result;
  t.is(result.code, 0, result.stderr);
  t.deepEqual(await s.log(), ['a start true']);
  t.is(await lockEntry('term/.lock'), undefined);
  t.deepEqual(await sessionsFor('term'), []);
});

test('-n 2 lets two commands run at once and not three', async (t) => {
  const s = await scene(t);
  const names = ['a', 'b', 'c'];
  const runs = new Map(names.map((name) => [name, lock(t, ['-n=2', 'sem', s.command(name)])] as const));
  await waitFor('two commands to start', async () => (await s.log()).length >= 2, 30_000);
  await waitFor('all three sessions to exist', async () => (await sessionsFor('sem')).length === 3, 30_000);
  const sessions = await sessionsFor('sem');
  t.true(sessions.every((session) => session.Behavior === 'delete'), 'semaphore sessions delete their contender entries');
  const running = (await s.log()).map((line) => line.split(' ')[0] ?? '');
  t.is(running.length, 2, 'the third waits while two hold slots');
  const semaphore = await lockEntry('sem/.lock');
  const holders = JSON.parse(Buffer.from((semaphore as unknown as { Value: string }).Value, 'base64').toString('utf8')) as { Limit: number; Holders: Record<string, boolean> };
  t.is(holders.Limit, 2);
  t.is(Object.keys(holders.Holders).length, 2);

  const [firstDone] = running;
  await s.open(firstDone ?? '');
  await waitFor('the third command to start', async () => (await s.log()).filter((line) => line.endsWith('start true')).length === 3, 45_000);
  for (const name of names) await s.open(name);
  for (const name of names) {
    const result = await runs.get(name)?.result;
    t.is(result?.code, 0, result?.stderr);
  }
  // Replay the log: never more than two commands between their start and end.
  let concurrent = 0;
  let most = 0;
  for (const line of await s.log()) {
    concurrent += line.endsWith('start true') ? 1 : -1;
    most = Math.max(most, concurrent);
  }
  t.is(most, 2);
  t.deepEqual(await sessionsFor('sem'), []);
});

test('an acquirer refused by a lock-delay retries after it instead of failing', async (t) => {
  const s = await scene(t);
  // A previous holder whose session is invalidated leaves a 2 s lock-delay on the key.
  const created = await fetch(`${agent?.baseUrl}/v1/session/create`, { method: 'PUT', body: JSON.stringify({ Name: 'previous holder', LockDelay: '2s' }) });
  const previous = ((await created.json()) as { ID: string }).ID;
  const taken = await startCli(t, ['kv', 'put', http(), '-acquire', `-session=${previous}`, `-flags=${lockFlagValue}`, 'delayed/.lock']).result;
  t.is(taken.code, 0, taken.stderr);
  t.is((await fetch(`${agent?.baseUrl}/v1/session/destroy/${previous}`, { method: 'PUT' })).status, 200);
  const destroyedAtMs = performance.now();
  const result = await lock(t, ['-verbose', 'delayed', `echo ran >> ${s.logPath}`]).result;
  t.is(result.code, 0, result.stderr);
  t.deepEqual(await s.log(), ['ran']);
  t.true(performance.now() - destroyedAtMs >= 2_000, 'the lock was taken only once the lock-delay had passed');
});

test('a failing command exits 0 as in Consul, or 2 with -child-exit-code; -shell=false runs it directly', async (t) => {
  const plain = await lock(t, ['exits', 'exit 4']).result;
  t.is(plain.code, 0);
  t.is(plain.stderr, 'Error running handler: exit status 4\n');
  const propagated = await lock(t, ['-child-exit-code', 'exits', 'exit 4']).result;
  t.is(propagated.code, 2);
  const direct = await lock(t, ['-shell=false', 'exits', 'echo', '$HOME', '-n']).result;
  t.is(direct.code, 0, direct.stderr);
  t.is(direct.stdout, '$HOME -n\n', 'no shell expands the arguments, and flags after the prefix belong to the command');
});

test('usage errors are Consul\'s', async (t) => {
  const cases: [string[], string][] = [
    [['lock', 'prefix-only'], 'Key prefix and child command must be specified\n'],
    [['lock', '-n=0', 'p', 'true'], 'Lock holder limit must be positive\n'],
    [['lock', '-monitor-retry=-1', 'p', 'true'], "Number for 'monitor-retry' must be >= 0\n"],
  ];
  for (const [args, stderr] of cases) {
    const result = await startCli(t, [...args.slice(0, 1), http(), ...args.slice(1)]).result;
    t.is(result.code, 1, args.join(' '));
    t.is(result.stderr, stderr);
  }
});
