// Child process of log-crash.test.ts (not a test itself): appends batches to a LogStore as fast as
// it can, sometimes replacing a suffix with a newer term, until its parent kills it. Before each
// append it prints "begin <start> <count> <term>", after append() returns "synced", both with
// unbuffered writes, so the parent knows exactly which appends were durable when the kill landed.

import { writeSync } from 'node:fs';
import { SeededRandom } from '../../../src/lib/random.js';
import { LogStore } from '../../../src/raft/wal/log-store.js';
import { entry } from './helpers.js';

const [dir = '', seedText = '1', segmentBytesText = '8192'] = process.argv.slice(2);
const random = new SeededRandom(Number(seedText));
const log = LogStore.openSync(dir, { segmentBytes: Number(segmentBytesText), entryBytesMax: 1024 });
writeSync(1, 'ready\n');
let term = 1;
for (let step = 0; step < 1_000_000; step++) {
  const last = log.lastIndex();
  const conflict = last > 10 && random.int(10) === 0;
  const start = conflict ? last - random.int(10) : last + 1;
  if (conflict) term++;
  const count = 1 + random.int(20);
  writeSync(1, `begin ${start} ${count} ${term}\n`);
  log.append(Array.from({ length: count }, (_, k) => entry(start + k, term, random.int(200))));
  writeSync(1, 'synced\n');
}
