// Goal: Raft's behaviour in named scenarios (election, pre-vote, check-quorum, log conflicts,
// snapshots, ReadIndex, leadership transfer, membership) is exactly what the scripts say,
// message by message, so any behaviour change shows up as a readable diff.
// Method: etcd-style data-driven scripts in test/raft/testdata/*.txt. Each block is a command
// line, a "----" line and the expected output, ended by a blank line. UPDATE=1 rewrites the
// files with the actual output (review the diff before committing).

import test from 'ava';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { InteractionEnv, type Command } from './interaction-env.js';

const testdata = new URL('../../../test/raft/testdata/', import.meta.url);

interface Block {
  commandLine: string;
  expected: string;
  /** Text before the command line (comments, blank lines), kept as is. */
  preamble: string;
}

function parse(text: string): { blocks: Block[]; trailer: string } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.startsWith('#')) {
      preamble.push(line);
      i++;
      continue;
    }
    if (lines[i + 1] !== '----') throw new Error(`line ${i + 2}: expected ---- after "${line}"`);
    let end = i + 2;
    while (end < lines.length && lines[end] !== '') end++;
    blocks.push({ commandLine: line, expected: lines.slice(i + 2, end).join('\n'), preamble: preamble.join('\n') });
    preamble = [];
    i = end + 1;
  }
  return { blocks, trailer: preamble.join('\n') };
}

function parseCommand(line: string): Command {
  const [name = '', ...rest] = line.trim().split(/\s+/);
  const args: string[] = [];
  const options = new Map<string, string>();
  for (const word of rest) {
    const eq = word.indexOf('=');
    if (eq > 0) options.set(word.slice(0, eq), word.slice(eq + 1));
    else args.push(word);
  }
  return { name, args, options };
}

for (const file of readdirSync(testdata).filter((name) => name.endsWith('.txt')).sort()) {
  test(file, (t) => {
    const path = new URL(file, testdata);
    const { blocks, trailer } = parse(readFileSync(path, 'utf8'));
    const env = new InteractionEnv();
    const out: string[] = [];
    for (const block of blocks) {
      const actual = env.run(parseCommand(block.commandLine)).join('\n');
      if (process.env.UPDATE !== undefined) {
        const preamble = block.preamble.replace(/^\n+|\n+$/g, '');
        out.push(`${preamble === '' ? '' : `${preamble}\n`}${block.commandLine}\n----\n${actual}`);
      } else {
        t.is(actual, block.expected, `${file}: ${block.commandLine}`);
      }
    }
    if (process.env.UPDATE !== undefined) {
      writeFileSync(path, `${out.join('\n\n')}\n${trailer.replace(/^\n+/, '')}`);
      t.pass();
    }
  });
}
