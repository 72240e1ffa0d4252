// Goal: `taxiway snapshot save|restore|inspect` work as Consul's: save writes a verified file and
// says its index, restore puts the state back and says so, inspect prints the metadata and the
// Type/Count/Size table (pretty, as Consul's tabwriter lays it out, or JSON); wrong arguments,
// missing and damaged files are one-line errors with exit status 1, and leave no partial file.
// Method: one real agent per test, the real CLI as a child process, files in a temp directory.
// byteSize and prettyInspect are also checked directly against Consul's formatter rules.

import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { byteSize, prettyInspect } from '../../cmd/commands/snapshot.js';
import { linesOf, runCli, startAgent, writeTempFiles } from '../helpers/agent-process.js';

async function put(url: string, path: string, body: string): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'PUT', body });
  if (response.status !== 200) throw new Error(`PUT ${path}: ${response.status}`);
}

async function value(url: string, key: string): Promise<string | undefined> {
  const response = await fetch(`${url}/v1/kv/${key}?raw`);
  return response.status === 404 ? undefined : response.text();
}

test('save, inspect and restore a real agent’s state', async (t) => {
  const agent = await startAgent(t);
  const temp = await writeTempFiles({});
  t.teardown(temp.remove);
  const file = join(temp.dir, 'backup.snap');
  const http = `-http-addr=${agent.httpAddress}`;
  await put(agent.baseUrl, '/v1/kv/app/x', 'before');
  const save = await runCli(['snapshot', 'save', http, file]);
  t.is(save.code, 0, save.stderr);
  t.regex(save.stdout, /^Saved and verified snapshot to index \d+\n$/);
  await t.throwsAsync(stat(`${file}.part`), undefined, 'no partial file left');

  const inspect = await runCli(['snapshot', 'inspect', file]);
  t.is(inspect.code, 0, inspect.stderr);
  const lines = linesOf(inspect.stdout);
  t.regex(lines[0] ?? '', /^ ID {11}0-\d+-\d+$/);
  t.regex(lines[1] ?? '', /^ Size {9}\d+$/);
  t.regex(lines[2] ?? '', /^ Index {8}\d+$/);
  t.is(lines[3], ' Term         0');
  t.is(lines[4], ' Version      1');
  t.is(lines[5], '');
  t.regex(lines[6] ?? '', /^ Type +Count {6}Size {7}$/);
  t.true(lines.some((line) => /^ kvs +1 +\d+B +$/.test(line)), inspect.stdout);
  t.regex(lines.at(-1) ?? '', /^ Total +\d+(\.\d)?KB$/);
  const json = JSON.parse((await runCli(['snapshot', 'inspect', '-format=json', file])).stdout) as { Meta: { Version: number }; Stats: { Name: string; Count: number }[]; TotalSize: number };
  t.is(json.Meta.Version, 1);
  t.is(json.Stats.find((s) => s.Name === 'kvs')?.Count, 1);

  await put(agent.baseUrl, '/v1/kv/app/x', 'after');
  await put(agent.baseUrl, '/v1/kv/app/y', 'new');
  const restore = await runCli(['snapshot', 'restore', http, file]);
  t.is(restore.code, 0, restore.stderr);
  t.is(restore.stdout, 'Restored snapshot\n');
  t.is(await value(agent.baseUrl, 'app/x'), 'before');
  t.is(await value(agent.baseUrl, 'app/y'), undefined);
});

test('argument errors, missing and damaged files: one line, exit 1', async (t) => {
  const temp = await writeTempFiles({ 'bad.snap': 'not a snapshot at all, just text' });
  t.teardown(temp.remove);
  const bad = join(temp.dir, 'bad.snap');
  const cases: [string[], string | RegExp][] = [
    [['snapshot', 'save'], 'Missing FILE argument\n'],
    [['snapshot', 'restore', 'a', 'b'], 'Too many arguments (expected 1, got 2)\n'],
    [['snapshot', 'inspect'], 'Missing FILE argument\n'],
    [['snapshot', 'inspect', join(temp.dir, 'nope.snap')], /^Error opening snapshot file: .*ENOENT.*\n$/],
    [['snapshot', 'inspect', bad], 'Error reading snapshot: snapshot file is not valid: it is not a taxiway snapshot (bad header)\n'],
    [['snapshot', 'inspect', '-format=yaml', bad], 'Error outputting enhanced snapshot data: Unknown format: yaml\n'],
    [['snapshot', 'restore', join(temp.dir, 'nope.snap')], /^Error opening snapshot file: .*ENOENT.*\n$/],
  ];
  for (const [args, expected] of cases) {
    const result = await runCli(args);
    t.is(result.code, 1, args.join(' '));
    t.is(result.stdout, '');
    if (typeof expected === 'string') t.is(result.stderr, expected, args.join(' '));
    else t.regex(result.stderr, expected, args.join(' '));
  }
});

test('restoring a damaged file reports the server’s 400 and changes nothing', async (t) => {
  const agent = await startAgent(t);
  const temp = await writeTempFiles({});
  t.teardown(temp.remove);
  const file = join(temp.dir, 'backup.snap');
  const http = `-http-addr=${agent.httpAddress}`;
  await put(agent.baseUrl, '/v1/kv/k', 'saved');
  t.is((await runCli(['snapshot', 'save', http, file])).code, 0);
  await put(agent.baseUrl, '/v1/kv/k', 'current');
  const bytes = await readFile(file);
  await writeFile(file, bytes.subarray(0, bytes.length - 5));
  const restore = await runCli(['snapshot', 'restore', http, file]);
  t.is(restore.code, 1);
  t.is(restore.stderr, 'Error restoring snapshot: Unexpected response code: 400 (snapshot file is not valid: checksum mismatch (the file is damaged or truncated))\n');
  t.is(await value(agent.baseUrl, 'k'), 'current');
});

test('byteSize follows Consul: binary units, one decimal, ".0" dropped', (t) => {
  t.deepEqual([0, 1, 313, 1024, 1638, 4812, 3 * 2 ** 20, 1.25 * 2 ** 30].map(byteSize), ['0', '1B', '313B', '1KB', '1.6KB', '4.7KB', '3MB', '1.2GB']);
});

test('prettyInspect lays out Consul’s tabwriter table (padding 6, min width 8; the Total cell unpadded)', (t) => {
  const text = prettyInspect({ ID: '2-11-1602262512378', Size: 4863, Index: 11, Term: 2, Version: 1 }, [
    { Name: 'Register', Count: 3, Sum: 1638 },
    { Name: 'ConnectCAProviderState', Count: 1, Sum: 1126 },
  ], 4812);
  t.is(
    text,
    [
      ' ID           2-11-1602262512378',
      ' Size         4863',
      ' Index        11',
      ' Term         2',
      ' Version      1',
      '',
      ' Type                        Count      Size       ',
      ' ----                        ----       ----       ',
      ' Register                    3          1.6KB      ',
      ' ConnectCAProviderState      1          1.1KB      ',
      ' ----                        ----       ----       ',
      ' Total                                  4.7KB',
    ].join('\n'),
  );
});
