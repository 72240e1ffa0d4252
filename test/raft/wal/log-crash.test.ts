// Goal: a process killed with SIGKILL at an arbitrary moment while appending leaves a log that
// reopens cleanly and holds every append it reported as synced; the only doubt is the append in
// flight, whose index range holds either a prefix of the old entries or a prefix of the new ones.
// Method: crash-child.js appends (with occasional conflicting suffix replacements) and reports
// "begin …" / "synced" per append; the parent kills it a seed-dependent delay after the fifth
// sync, replays the reports into a model, reopens the log and compares. Entry data sizes come
// from the child's seeded Random, so the parent compares the recovered (index, term) pairs.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { LogStore } from '../../../src/raft/wal/log-store.js';
import { tempDir } from './helpers.js';

const childPath = fileURLToPath(new URL('./crash-child.js', import.meta.url));

interface Append {
  start: number;
  count: number;
  term: number;
}

async function runAndKill(dir: string, seed: number, killAfterMs: number): Promise<{ synced: Append[]; inFlight: Append | undefined }> {
  const child = spawn(process.execPath, [childPath, dir, String(seed), '8192'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  let armed = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
    // Arm the kill once a few appends are synced, so a slow (loaded) machine still tests something.
    if (!armed && output.split('synced').length > 5) {
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    }
  });
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const synced: Append[] = [];
  let inFlight: Append | undefined;
  for (const line of output.split('\n')) {
    const [word, start, count, term] = line.split(' ');
    if (word === 'begin') inFlight = { start: Number(start), count: Number(count), term: Number(term) };
    if (word === 'synced' && inFlight !== undefined) {
      synced.push(inFlight);
      inFlight = undefined;
    }
  }
  return { synced, inFlight };
}

/** Terms by index after applying appends in order (index 1 at position 0). */
function replay(appends: readonly Append[]): number[] {
  let terms: number[] = [];
  for (const { start, count, term } of appends) terms = [...terms.slice(0, start - 1), ...Array.from({ length: count }, () => term)];
  return terms;
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`SIGKILL during appends (seed ${seed}) keeps every synced append`, async (t) => {
    const dir = tempDir(t);
    const { synced, inFlight } = await runAndKill(dir, seed, 40 + seed * 37);
    t.true(synced.length > 0, 'the child synced something before the kill');
    const log = await LogStore.open(dir, { segmentBytes: 8192, entryBytesMax: 1024 });
    t.teardown(() => log.close());
    const recovered = log.entries(1, log.lastIndex() + 1).map((e) => e.term);
    t.deepEqual(log.entries(1, log.lastIndex() + 1).map((e) => e.index), recovered.map((_, k) => k + 1));
    const durable = replay(synced);
    const safeEnd = inFlight === undefined ? durable.length : Math.min(durable.length, inFlight.start - 1);
    // Everything below the in-flight append is exactly what was synced.
    t.deepEqual(recovered.slice(0, safeEnd), durable.slice(0, safeEnd));
    const rest = recovered.slice(safeEnd);
    const oldRest = durable.slice(safeEnd);
    const newRest = inFlight === undefined ? [] : replay([...synced, inFlight]).slice(safeEnd);
    const isPrefixOf = (part: number[], whole: number[]): boolean => part.length <= whole.length && part.every((term, k) => term === whole[k]);
    t.true(isPrefixOf(rest, oldRest) || isPrefixOf(rest, newRest), `tail ${JSON.stringify(rest)} is neither old ${JSON.stringify(oldRest)} nor new ${JSON.stringify(newRest)}`);
    if (inFlight === undefined) t.is(recovered.length, durable.length);
    t.log(`synced appends ${synced.length}, recovered last index ${log.lastIndex()}, segments ${log.segmentCount()}`);
  });
}
