// Goal: `taxiway kv get|put|delete|export|import` behave as Consul's `consul kv` commands: the
// same output bytes, messages and exit statuses, including CAS, locks through -acquire/-release,
// stdin and @file data, and an export → import round trip that reproduces keys, flags and values.
// Method: one real dev agent; each test works under its own key prefix so tests run in parallel.

import test from 'ava';
import { join } from 'node:path';
import { runCli, startDevAgent, writeTempFiles, type DevAgent } from '../helpers/agent-process.js';

let agent: DevAgent | undefined;

function http(): string {
  if (agent === undefined) throw new Error('agent not started');
  return `-http-addr=${agent.httpAddress}`;
}

async function kv(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(['kv', ...args, http()]);
}

async function kvInput(input: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(['kv', ...args, http()], { input });
}

/** The entry as the HTTP API returns it, for checks independent of the CLI under test. */
async function entry(key: string): Promise<{ Key: string; Flags: number; Value: string | null; ModifyIndex: number; Session?: string } | undefined> {
  const response = await fetch(`${agent?.baseUrl}/v1/kv/${key}`);
  if (response.status === 404) return undefined;
  return ((await response.json()) as { Key: string; Flags: number; Value: string | null; ModifyIndex: number }[])[0];
}

test.before(async () => {
  agent = await startDevAgent();
});

test.after.always(async () => {
  await agent?.stop();
});

test('put then get prints the value raw with one newline; a missing key is an error', async (t) => {
  const put = await kv('put', 'get/one', 'hello world');
  t.is(put.code, 0, put.stderr);
  t.is(put.stdout, 'Success! Data written to: get/one\n');
  const got = await kv('get', 'get/one');
  t.is(got.code, 0, got.stderr);
  t.is(got.stdout, 'hello world\n');
  const slash = await kv('get', '/get/one');
  t.is(slash.stdout, 'hello world\n', 'a leading slash is stripped');
  const empty = await kv('put', 'get/empty');
  t.is(empty.code, 0);
  t.is((await kv('get', 'get/empty')).stdout, '\n');
  const missing = await kv('get', 'get/nope');
  t.is(missing.code, 1);
  t.is(missing.stdout, '');
  t.is(missing.stderr, 'Error! No key exists at: get/nope\n');
  const noKey = await kv('get');
  t.is(noKey.code, 1);
  t.is(noKey.stderr, 'Error! Missing KEY argument\n');
  const tooMany = await kv('get', 'a', 'b');
  t.is(tooMany.stderr, 'Too many arguments (expected 1, got 2)\n');
});

test('get -detailed prints the fields table; -base64 encodes the value', async (t) => {
  await kv('put', '-flags=42', 'detail/k', 'v1');
  const current = await entry('detail/k');
  t.truthy(current);
  const result = await kv('get', '-detailed', 'detail/k');
  t.is(result.code, 0, result.stderr);
  const index = String(current?.ModifyIndex);
  t.is(
    result.stdout,
    [`CreateIndex      ${index}`, 'Flags            42', 'Key              detail/k', 'LockIndex        0', `ModifyIndex      ${index}`, 'Session          -', 'Value            v1', ''].join('\n'),
  );
  t.is((await kv('get', '-base64', 'detail/k')).stdout, 'djE=\n');
});

test('get -recurse prints key:value lines, -keys lists names up to the separator', async (t) => {
  for (const [key, value] of [['tree/a', '1'], ['tree/b/c', '2'], ['tree/b/d', '3']] as const) t.is((await kv('put', key, value)).code, 0);
  const recurse = await kv('get', '-recurse', 'tree/');
  t.is(recurse.stdout, 'tree/a:1\ntree/b/c:2\ntree/b/d:3\n');
  const keys = await kv('get', '-keys', 'tree/');
  t.is(keys.stdout, 'tree/a\ntree/b/\n');
  const all = await kv('get', '-keys', '-separator=', 'tree/');
  t.is(all.stdout, 'tree/a\ntree/b/c\ntree/b/d\n');
  const none = await kv('get', '-recurse', 'tree-none/');
  t.is(none.code, 0);
  t.is(none.stdout, '');
  const detailed = await kv('get', '-recurse', '-detailed', 'tree/b/');
  t.is(detailed.stdout.split('\n\n').length, 2, 'one table per entry, a blank line between');
});

test('put reads data from stdin with "-" and from a file with "@", and decodes -base64', async (t) => {
  const stdin = await kvInput('from stdin\n', 'put', 'input/stdin', '-');
  t.is(stdin.code, 0, stdin.stderr);
  t.is((await kv('get', 'input/stdin')).stdout, 'from stdin\n\n');
  const files = await writeTempFiles({ 'value.txt': 'from a file' });
  t.teardown(files.remove);
  const file = await kv('put', 'input/file', `@${join(files.dir, 'value.txt')}`);
  t.is(file.code, 0, file.stderr);
  t.is((await kv('get', 'input/file')).stdout, 'from a file\n');
  const missingFile = await kv('put', 'input/x', `@${join(files.dir, 'nope')}`);
  t.is(missingFile.code, 1);
  t.is(missingFile.stderr, `Error! Failed to read file: open ${join(files.dir, 'nope')}: no such file or directory\n`);
  t.is((await kv('put', '-base64', 'input/b64', 'aGk=')).code, 0);
  t.is((await kv('get', 'input/b64')).stdout, 'hi\n');
  const bad = await kv('put', '-base64', 'input/b64', '!!');
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^Error! Cannot base 64 decode data: illegal base64 data at input byte 0\n$/);
  const dashData = await runCli(['kv', 'put', http(), 'input/dash', '--', '-x']);
  t.is(dashData.code, 0, dashData.stderr);
  t.is((await kv('get', 'input/dash')).stdout, '-x\n', '"-" followed by more is data, not stdin');
});

test('put -cas writes only at the given ModifyIndex; -flags are stored', async (t) => {
  t.is((await kv('put', '-flags=7', 'cas/k', 'one')).code, 0);
  const before = await entry('cas/k');
  t.is(before?.Flags, 7);
  const stale = await kv('put', '-cas', `-modify-index=${(before?.ModifyIndex ?? 0) + 1000}`, 'cas/k', 'two');
  t.is(stale.code, 1);
  t.is(stale.stderr, 'Error! Did not write to cas/k: CAS failed\n');
  const fresh = await kv('put', '-cas', '-modify-index', String(before?.ModifyIndex), 'cas/k', 'two');
  t.is(fresh.code, 0, fresh.stderr);
  t.is(fresh.stdout, 'Success! Data written to: cas/k\n');
  t.is((await kv('get', 'cas/k')).stdout, 'two\n');
  const noIndex = await kv('put', '-cas', 'cas/k', 'three');
  t.is(noIndex.code, 1);
  t.is(noIndex.stderr, 'Must specify -modify-index with -cas!\n');
  const badFlags = await kv('put', '-flags=x', 'cas/k', 'v');
  t.is(badFlags.code, 1);
  t.is(badFlags.stderr, 'invalid value "x" for flag -flags: parse error\n');
});

test('put -acquire and -release take and give up a lock for a session', async (t) => {
  const created = await fetch(`${agent?.baseUrl}/v1/session/create`, { method: 'PUT', body: '{}' });
  const session = ((await created.json()) as { ID: string }).ID;
  const acquired = await kv('put', '-acquire', `-session=${session}`, 'locks/k', 'held');
  t.is(acquired.code, 0, acquired.stderr);
  t.is(acquired.stdout, 'Success! Lock acquired on: locks/k\n');
  t.is((await entry('locks/k'))?.Session, session);
  const detailed = await kv('get', '-detailed', 'locks/k');
  t.regex(detailed.stdout, new RegExp(`\\nSession          ${session}\\n`));
  const other = ((await (await fetch(`${agent?.baseUrl}/v1/session/create`, { method: 'PUT', body: '{}' })).json()) as { ID: string }).ID;
  const refused = await kv('put', '-acquire', `-session=${other}`, 'locks/k', 'mine');
  t.is(refused.code, 1);
  t.is(refused.stderr, 'Error! Did not acquire lock\n');
  const notHolder = await kv('put', '-release', `-session=${other}`, 'locks/k');
  t.is(notHolder.code, 1);
  t.is(notHolder.stderr, 'Error! Did not release lock\n');
  const released = await kv('put', '-release', `-session=${session}`, 'locks/k', 'free');
  t.is(released.code, 0, released.stderr);
  t.is(released.stdout, 'Success! Lock released on: locks/k\n');
  t.is((await entry('locks/k'))?.Session, undefined);
  const noSession = await kv('put', '-acquire', 'locks/k');
  t.is(noSession.code, 1);
  t.is(noSession.stderr, 'Error! Missing -session (required with -acquire and -release)\n');
});

test('delete removes a key, a prefix with -recurse, or a key at an index with -cas', async (t) => {
  for (const key of ['del/a', 'del/b/c', 'del/b/d', 'delx']) t.is((await kv('put', key, 'v')).code, 0);
  const one = await kv('delete', 'del/a');
  t.is(one.code, 0, one.stderr);
  t.is(one.stdout, 'Success! Deleted key: del/a\n');
  t.is(await entry('del/a'), undefined);
  t.is((await kv('delete', 'del/never')).code, 0, 'deleting a missing key succeeds');
  const current = await entry('del/b/c');
  const wrong = await kv('delete', '-cas', `-modify-index=${(current?.ModifyIndex ?? 0) + 1000}`, 'del/b/c');
  t.is(wrong.code, 1);
  t.is(wrong.stderr, 'Error! Did not delete key del/b/c: CAS failed\n');
  const right = await kv('delete', '-cas', `-modify-index=${current?.ModifyIndex}`, 'del/b/c');
  t.is(right.code, 0, right.stderr);
  t.is(right.stdout, 'Success! Deleted key: del/b/c\n');
  const tree = await kv('delete', '-recurse', 'del/');
  t.is(tree.stdout, 'Success! Deleted keys with prefix: del/\n');
  t.is(await entry('del/b/d'), undefined);
  t.truthy(await entry('delx'), 'the prefix del/ does not cover delx');
  const problems: [string[], string][] = [
    [['delete'], 'Error! Missing KEY argument\n'],
    [['delete', '-cas', 'k'], 'Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.\n'],
    [['delete', '-modify-index=3', 'k'], 'Cannot specify -modify-index without -cas!\n'],
    [['delete', '-cas', '-modify-index=3', '-recurse', 'k'], 'Cannot specify both -cas and -recurse!\n'],
  ];
  for (const [args, stderr] of problems) {
    const result = await kv(...args);
    t.is(result.code, 1, args.join(' '));
    t.is(result.stderr, stderr);
  }
});

test('export prints Consul\'s JSON; import of it reproduces keys, flags and values, under -prefix too', async (t) => {
  t.is((await kv('put', '-flags=3', 'exp/a', '<b>&')).code, 0);
  t.is((await kv('put', 'exp/dir/')).code, 0);
  t.is((await kv('put', '-base64', 'exp/dir/bin', 'AAEC/w==')).code, 0);
  const exported = await kv('export', 'exp/');
  t.is(exported.code, 0, exported.stderr);
  t.is(
    exported.stdout,
    '[\n\t{\n\t\t"key": "exp/a",\n\t\t"flags": 3,\n\t\t"value": "PGI+Jg=="\n\t},\n\t{\n\t\t"key": "exp/dir/",\n\t\t"flags": 0,\n\t\t"value": ""\n\t},\n\t{\n\t\t"key": "exp/dir/bin",\n\t\t"flags": 0,\n\t\t"value": "AAEC/w=="\n\t}\n]\n',
  );
  t.is((await kv('export', 'exp-none/')).stdout, '[]\n');
  t.is((await kv('delete', '-recurse', 'exp/')).code, 0);
  const files = await writeTempFiles({ 'export.json': exported.stdout });
  t.teardown(files.remove);
  const imported = await kv('import', `@${join(files.dir, 'export.json')}`);
  t.is(imported.code, 0, imported.stderr);
  t.is(imported.stdout, 'Imported: exp/a\nImported: exp/dir/\nImported: exp/dir/bin\n');
  t.is((await kv('export', 'exp/')).stdout, exported.stdout, 'the round trip is exact');
  const prefixed = await kvInput(exported.stdout, 'import', '-prefix=copy', '-');
  t.is(prefixed.code, 0, prefixed.stderr);
  t.is(prefixed.stdout, 'Imported: copy/exp/a\nImported: copy/exp/dir/\nImported: copy/exp/dir/bin\n');
  t.is((await entry('copy/exp/a'))?.Flags, 3);
  const inline = await kv('import', '[{"key":"inline/k","flags":0,"value":"aGk="}]');
  t.is(inline.stdout, 'Imported: inline/k\n');
  t.is((await kv('get', 'inline/k')).stdout, 'hi\n');
  const garbage = await kv('import', 'not json');
  t.is(garbage.code, 1);
  t.regex(garbage.stderr, /^Cannot unmarshal data: /);
  const badValue = await kv('import', '[{"key":"bad/k","flags":0,"value":"!!"}]');
  t.is(badValue.code, 1);
  t.is(badValue.stderr, 'Error base 64 decoding value for key bad/k: illegal base64 data at input byte 0\n');
  t.is((await kv('import')).stderr, 'Error! Missing DATA argument\n');
});

test('an unreachable agent is reported on one line with exit status 1', async (t) => {
  const result = await runCli(['kv', 'get', 'k', '-http-addr=127.0.0.1:1']);
  t.is(result.code, 1);
  t.regex(result.stderr, /^Error querying Consul agent: Get "http:\/\/127\.0\.0\.1:1\/v1\/kv\/k": .+\n$/);
});
