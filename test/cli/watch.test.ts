// Goal: `taxiway watch` behaves as Consul's: without a handler it prints the first result as
// 4-space-indented JSON and exits; with one it runs the handler with the result as JSON on stdin
// (and CONSUL_INDEX set) at start and on every change, until SIGINT; the event type passes only
// new events of its name. Also `taxiway event` fires events that /v1/event/list shows.
// Method: one real dev agent; handlers append their stdin to a file, and the test waits for the
// file to hold what it expects (deadlines, no fixed sleeps). Keys and event names are per test.

import test, { type ExecutionContext } from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, startCli, startDevAgent, waitFor, writeTempFiles, type DevAgent } from '../helpers/agent-process.js';

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

/** The handler's runs: each wrote its stdin then a "--- <CONSUL_INDEX>" line. */
async function handlerRuns(path: string): Promise<{ input: unknown; index: number }[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const runs: { input: unknown; index: number }[] = [];
  const pattern = /([^\n]*)\n--- (\d+)\n/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) runs.push({ input: JSON.parse(match[1] ?? 'null'), index: Number(match[2]) });
  return runs;
}

async function handlerFile(t: ExecutionContext): Promise<{ path: string; handler: string }> {
  const files = await writeTempFiles({ 'runs.txt': '' });
  t.teardown(files.remove);
  const path = join(files.dir, 'runs.txt');
  return { path, handler: `cat >> ${path}; echo "--- $CONSUL_INDEX" >> ${path}` };
}

test('watch without a handler prints the first result and exits', async (t) => {
  t.is((await runCli(['kv', 'put', http(), 'once/k', 'v1'])).code, 0);
  const result = await runCli(['watch', http(), '-type=key', '-key=once/k']);
  t.is(result.code, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as Record<string, unknown>;
  t.deepEqual(Object.keys(printed), ['Key', 'CreateIndex', 'ModifyIndex', 'LockIndex', 'Flags', 'Value', 'Session'], "api.KVPair's field order");
  t.is(printed.Value, Buffer.from('v1').toString('base64'));
  t.true(result.stdout.startsWith('{\n    "Key": "once/k",\n'), '4-space indentation');
  const missing = await runCli(['watch', http(), '-type', 'key', '-key', 'once/missing']);
  t.is(missing.stdout, 'null\n');
  const prefix = await runCli(['watch', http(), '-type=keyprefix', '-prefix=once/']);
  t.is((JSON.parse(prefix.stdout) as unknown[]).length, 1);
  const services = await runCli(['watch', http(), '-type=services']);
  t.deepEqual(JSON.parse(services.stdout), { consul: [] });
});

test('watch -type key runs the handler with the new JSON on stdin on every change, until SIGINT', async (t) => {
  t.is((await runCli(['kv', 'put', http(), 'watched/k', 'first'])).code, 0);
  const { path, handler } = await handlerFile(t);
  const watch = startCli(t, ['watch', http(), '-type=key', '-key=watched/k', handler]);
  await waitFor('the handler to run for the current value', async () => (await handlerRuns(path)).length === 1, 30_000);
  const [initial] = await handlerRuns(path);
  t.is((initial?.input as { Value: string }).Value, Buffer.from('first').toString('base64'));
  t.true((initial?.index ?? 0) > 0, 'CONSUL_INDEX is the result\'s index');

  t.is((await runCli(['kv', 'put', http(), 'watched/k', 'second'])).code, 0);
  await waitFor('the handler to run for the change', async () => (await handlerRuns(path)).length === 2, 30_000);
  const [, changed] = await handlerRuns(path);
  const pair = changed?.input as { Key: string; Value: string; ModifyIndex: number };
  t.is(pair.Key, 'watched/k');
  t.is(pair.Value, Buffer.from('second').toString('base64'));
  // The KV index of the answer: at least the key's own (other tests here write keys too).
  t.true((changed?.index ?? 0) >= pair.ModifyIndex);

  t.is((await runCli(['kv', 'delete', http(), 'watched/k'])).code, 0);
  await waitFor('the handler to see the deletion', async () => (await handlerRuns(path)).length === 3, 30_000);
  t.is((await handlerRuns(path))[2]?.input, null);

  watch.child.kill('SIGINT');
  const result = await watch.result;
  t.is(result.code, 0, result.stderr);
});

test('a failing handler stops the watch with exit status 1', async (t) => {
  const watch = await runCli(['watch', http(), '-type=key', '-key=failing/k', 'exit 3']);
  t.is(watch.code, 1);
  t.is(watch.stderr, 'Error executing handler: exit status 3\n');
});

test('watch -type event -name passes new events of that name to the handler', async (t) => {
  const { path, handler } = await handlerFile(t);
  const watch = startCli(t, ['watch', http(), '-type=event', '-name=wanted', handler]);
  await waitFor('the first run (no events yet)', async () => (await handlerRuns(path)).length === 1, 30_000);
  t.deepEqual((await handlerRuns(path))[0]?.input, []);
  const other = await runCli(['event', http(), '-name=other']);
  t.is(other.code, 0, other.stderr);
  const fired = await runCli(['event', http(), '-name=wanted', 'the payload']);
  t.is(fired.code, 0, fired.stderr);
  const id = /^Event ID: (\S+)\n$/.exec(fired.stdout)?.[1];
  t.truthy(id);
  await waitFor('the handler to receive the event', async () => (await handlerRuns(path)).some((run) => Array.isArray(run.input) && run.input.length > 0), 30_000);
  const delivered = (await handlerRuns(path)).filter((run) => Array.isArray(run.input) && run.input.length > 0);
  t.is(delivered.length, 1);
  const events = delivered[0]?.input as { ID: string; Name: string; Payload: string }[];
  t.deepEqual(
    events.map((event) => [event.ID, event.Name, Buffer.from(event.Payload, 'base64').toString('utf8')]),
    [[id, 'wanted', 'the payload']],
  );
  watch.child.kill('SIGTERM');
  t.is((await watch.result).code, 0);
});

test('watch parameter errors are Consul\'s', async (t) => {
  const cases: [string[], RegExp][] = [
    [['watch'], /^Watch type must be specified\n\n/],
    [['watch', '-type=nope'], /^Unsupported watch type: nope\n$/],
    [['watch', '-type=key'], /^Must specify a single key to watch\n$/],
    [['watch', '-type=keyprefix', '-prefix=a', '-key=b'], /^Invalid parameters: \[key\]\n$/],
    [['watch', '-type=checks', '-service=a', '-state=passing'], /^Cannot specify service and state\n$/],
    [['watch', '-type=service', '-service=a', '-passingonly=maybe'], /^Failed to parse passingonly flag: strconv.ParseBool: parsing "maybe": invalid syntax\n$/],
  ];
  for (const [args, stderr] of cases) {
    const result = await runCli([...args.slice(0, 1), http(), ...args.slice(1)]);
    t.is(result.code, 1, args.join(' '));
    t.regex(result.stderr, stderr);
  }
});

test('event fires an event that /v1/event/list shows; bad filters are refused', async (t) => {
  const fired = await runCli(['event', http(), '-name=deploy', '-node=.*', 'v1.2']);
  t.is(fired.code, 0, fired.stderr);
  const id = /^Event ID: ([0-9a-f-]{36})\n$/.exec(fired.stdout)?.[1];
  t.truthy(id, fired.stdout);
  const listed = (await (await fetch(`${agent?.baseUrl}/v1/event/list?name=deploy`)).json()) as { ID: string; Payload: string; NodeFilter: string }[];
  const event = listed.find((each) => each.ID === id);
  t.truthy(event);
  t.is(Buffer.from(event?.Payload ?? '', 'base64').toString('utf8'), 'v1.2');
  t.is(event?.NodeFilter, '.*');
  const cases: [string[], RegExp][] = [
    [['event'], /^Event name must be specified\n\n/],
    [['event', '-name=x', '-tag=t'], /^Cannot provide tag filter without service filter\.\n$/],
    [['event', '-name=x', '-node=('], /^Failed to compile node filter regexp: /],
    [['event', '-name=x', 'a', 'b'], /^Too many command line arguments\.\n\n/],
  ];
  for (const [args, stderr] of cases) {
    const result = await runCli([...args.slice(0, 1), http(), ...args.slice(1)]);
    t.is(result.code, 1, args.join(' '));
    t.regex(result.stderr, stderr);
  }
});
