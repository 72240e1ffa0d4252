// Goal: Consul's single-dash flags reach commander as long options, and nothing else changes.
// Method: table test of normalizeSingleDashFlags, plus a parse through the real agent command.

import test from 'ava';
import { Command } from 'commander';
import { longOptionNamesOf, normalizeSingleDashFlags } from '../../../cmd/argv.js';
import { defineAgentFlags } from '../../../src/agent/config/index.js';

const names = new Set(['dev', 'node', 'http-port', 'retry-join', 'server']);
const takingValue = new Set(['node', 'http-port', 'retry-join']);

const cases: { name: string; args: string[]; expected: string[]; withValues?: boolean }[] = [
  { name: 'subcommand and bool flag', args: ['agent', '-dev'], expected: ['agent', '--dev'] },
  { name: 'flag=value', args: ['-http-port=8500'], expected: ['--http-port=8500'] },
  { name: 'flag value', args: ['-node', 'web-1'], expected: ['--node', 'web-1'] },
  { name: 'bool=false', args: ['-server=false'], expected: ['--server=false'] },
  { name: 'repeated flag', args: ['-retry-join', 'a', '-retry-join=b'], expected: ['--retry-join', 'a', '--retry-join=b'] },
  { name: 'negative number value is left alone', args: ['-http-port', '-1'], expected: ['--http-port', '-1'] },
  { name: 'unknown single-dash flag is left for commander to reject', args: ['-nope', '-h'], expected: ['-nope', '-h'] },
  { name: 'double dash is kept', args: ['--dev', '--node=a'], expected: ['--dev', '--node=a'] },
  { name: 'everything after -- is left alone', args: ['-dev', '--', '-node', 'x'], expected: ['--dev', '--', '-node', 'x'] },
  { name: 'a lone dash is a value', args: ['-'], expected: ['-'] },
  { name: 'value equal to a flag name stays a value', args: ['-node', '-dev'], expected: ['--node', '-dev'], withValues: true },
  { name: 'without value knowledge, a known name is a flag', args: ['-node', '-dev'], expected: ['--node', '--dev'] },
  { name: 'value after flag=value is a flag again', args: ['-node=a', '-dev'], expected: ['--node=a', '--dev'], withValues: true },
];

for (const { name, args, expected, withValues } of cases) {
  test(`normalizeSingleDashFlags: ${name}`, (t) => {
    t.deepEqual(normalizeSingleDashFlags(args, names, withValues === true ? takingValue : undefined), expected);
  });
}

test('longOptionNamesOf lists the agent flags and which take a value', (t) => {
  const { names: agentNames, takingValue: agentValues } = longOptionNamesOf(defineAgentFlags(new Command('agent')));
  for (const flag of ['dev', 'server', 'bootstrap-expect', 'config-dir', 'hcl', 'node-meta', 'retry-join', 'grpc-tls-port']) t.true(agentNames.has(flag), flag);
  t.true(agentNames.has('help'), "commander's --help, so Consul's -help works");
  t.true(agentValues.has('node'));
  t.false(agentValues.has('server'), 'booleans take an optional value only');
});
