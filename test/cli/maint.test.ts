// Goal: `taxiway maint` turns node and service maintenance on and off with Consul's messages,
// lists what is in maintenance, and rejects Consul's invalid flag combinations.
// Method: one real dev agent; the tests run serially because maintenance is agent-wide state.

import test from 'ava';
import { runCli, startDevAgent, type DevAgent } from '../helpers/agent-process.js';

let agent: DevAgent | undefined;
let nodeName = '';

function httpAddr(): string {
  if (agent === undefined) throw new Error('agent not started');
  return agent.httpAddress;
}

test.before(async () => {
  agent = await startDevAgent();
  const response = await fetch(`http://${httpAddr()}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: 'web', Port: 80 }) });
  if (response.status !== 200) throw new Error(`register: ${response.status}`);
  nodeName = ((await (await fetch(`http://${httpAddr()}/v1/agent/self`)).json()) as { Config: { NodeName: string } }).Config.NodeName;
});

test.after.always(async () => {
  await agent?.stop();
});

test.serial('list mode prints nothing when nothing is in maintenance', async (t) => {
  const result = await runCli(['maint', '-http-addr', httpAddr()]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '');
});

test.serial('enable, list and disable node and service maintenance', async (t) => {
  const node = await runCli(['maint', '-enable', '-reason', 'kernel upgrade', '-http-addr', httpAddr()]);
  t.is(node.code, 0, node.stderr);
  t.is(node.stdout, 'Node maintenance is now enabled\n');
  const service = await runCli(['maint', '--enable', '--service=web', `--http-addr=${httpAddr()}`]);
  t.is(service.code, 0, service.stderr);
  t.is(service.stdout, 'Service maintenance is now enabled for "web"\n');

  const listed = await runCli(['maint', '-http-addr', httpAddr()]);
  t.is(listed.code, 0, listed.stderr);
  t.is(
    listed.stdout,
    [
      'Node:',
      `  Name:   ${nodeName}`,
      '  Reason: kernel upgrade',
      '',
      'Service:',
      '  ID:     web',
      '  Reason: Maintenance mode is enabled for this service, but no reason was provided. This is a default message.',
      '',
      '',
    ].join('\n'),
  );

  const serviceOff = await runCli(['maint', '-disable', '-service', 'web', '-http-addr', httpAddr()]);
  t.is(serviceOff.stdout, 'Service maintenance is now disabled for "web"\n');
  const nodeOff = await runCli(['maint', '-disable', '-http-addr', httpAddr()]);
  t.is(nodeOff.stdout, 'Node maintenance is now disabled\n');
  const empty = await runCli(['maint', '-http-addr', httpAddr()]);
  t.is(empty.stdout, '');
});

test.serial('maintenance of an unknown service is the agent\'s 404, on one line', async (t) => {
  const result = await runCli(['maint', '-enable', '-service', 'nope', '-http-addr', httpAddr()]);
  t.is(result.code, 1);
  t.regex(result.stderr, /^Error enabling service maintenance: Unexpected response code: 404 \(Unknown service ID "nope".*\)\n$/);
});

test('invalid flag combinations are refused before any request', async (t) => {
  const cases: [string[], string][] = [
    [['-enable', '-disable'], 'Only one of -enable or -disable may be provided\n'],
    [['-reason', 'x'], 'Reason may only be provided with -enable\n'],
    [['-disable', '-reason', 'x'], 'Reason may only be provided with -enable\n'],
    [['-service', 'web'], 'Service requires either -enable or -disable\n'],
  ];
  for (const [args, stderr] of cases) {
    // An unreachable address proves no request is made: the flag error comes first.
    const result = await runCli(['maint', ...args, '-http-addr', '127.0.0.1:1']);
    t.is(result.code, 1, args.join(' '));
    t.is(result.stderr, stderr);
  }
});
