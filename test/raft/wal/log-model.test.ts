// Goal: any sequence of appends (including conflicting ones that replace a suffix), compactions,
// resets and reopens leaves the LogStore equal to a simple in-memory model of the log.
// Method: fast-check generates operations as raw numbers that are interpreted against the current
// state (so every operation is valid); after each one the store's first/last index, the term at
// the boundary and every entry are compared with the model. Compaction drops whole segments only,
// so the model adopts the store's new firstIndex after checking it lies in the allowed range.

import test from 'ava';
import fc from 'fast-check';
import { LogStore } from '../../../src/raft/wal/log-store.js';
import type { Entry } from '../../../src/raft/wal/types.js';
import { entry, plain, tempDir } from './helpers.js';

const options = { segmentBytes: 2048, entryBytesMax: 512 };

type Operation =
  | { type: 'append'; start: number; count: number; termBump: number; bytes: number }
  | { type: 'compact'; at: number }
  | { type: 'reset'; gap: number }
  | { type: 'reopen' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('append' as const), start: fc.double({ min: 0, max: 1, noNaN: true }), count: fc.integer({ min: 1, max: 40 }), termBump: fc.integer({ min: 0, max: 1 }), bytes: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('compact' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('reset' as const), gap: fc.integer({ min: 0, max: 50 }) }) },
  { weight: 2, arbitrary: fc.constant({ type: 'reopen' as const }) },
);

/** The model: entries first..first+list.length-1 and the term before `first`. */
interface Model {
  first: number;
  boundaryTerm: number;
  list: Entry[];
}

const lastOf = (model: Model): number => model.first + model.list.length - 1;
const termOf = (model: Model, index: number): number => (index === model.first - 1 ? model.boundaryTerm : (model.list[index - model.first]?.term ?? -1));

function check(t: import('ava').ExecutionContext, log: LogStore, model: Model): void {
  t.is(log.firstIndex(), model.first);
  t.is(log.lastIndex(), lastOf(model));
  t.is(log.term(model.first - 1), model.boundaryTerm);
  t.deepEqual(plain(log.entries(model.first, lastOf(model) + 1)), plain(model.list));
}

async function apply(log: LogStore, model: Model, op: Operation, dir: string): Promise<LogStore> {
  switch (op.type) {
    case 'append': {
      // op.start is in [0, 1] inclusive: clamp so 1.0 means "right after the last entry", not a gap.
      const start = model.first + Math.min(model.list.length, Math.floor(op.start * (model.list.length + 1)));
      const previousTerm = termOf(model, start - 1);
      const lastTerm = termOf(model, lastOf(model));
      // A conflicting append carries a newer term than anything it replaces, as in Raft.
      const term = start <= lastOf(model) ? lastTerm + 1 : previousTerm + op.termBump;
      const batch = Array.from({ length: op.count }, (_, k) => entry(start + k, term, op.bytes));
      log.append(batch);
      model.list = [...model.list.slice(0, start - model.first), ...batch];
      return log;
    }
    case 'compact': {
      const upTo = model.first - 1 + Math.min(model.list.length, Math.floor(op.at * (model.list.length + 1)));
      log.compact(upTo);
      const first = log.firstIndex();
      if (first < model.first || first > Math.max(model.first, upTo + 1)) throw new Error(`compact(${upTo}) moved first from ${model.first} to ${first}`);
      model.boundaryTerm = termOf(model, first - 1);
      model.list = model.list.slice(first - model.first);
      model.first = first;
      return log;
    }
    case 'reset': {
      const index = lastOf(model) + op.gap;
      const term = termOf(model, lastOf(model)) + 1;
      log.reset(index, term);
      Object.assign(model, { first: index + 1, boundaryTerm: term, list: [] });
      return log;
    }
    case 'reopen':
      await log.close();
      return LogStore.open(dir, options);
  }
}

test('random append/truncate/compact/reset/reopen sequences equal the in-memory model', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 30 }), async (operations) => {
      const dir = tempDir(t);
      let log = await LogStore.open(dir, options);
      const model: Model = { first: 1, boundaryTerm: 0, list: [] };
      try {
        for (const op of operations) {
          log = await apply(log, model, op, dir);
          check(t, log, model);
        }
      } catch (error) {
        if (process.env.WAL_MODEL_DEBUG !== undefined) console.error('model failure:', error);
        throw error;
      } finally {
        await log.close();
      }
    }),
    { numRuns: Number(process.env.WAL_MODEL_RUNS ?? 40), verbose: 2 },
  );
});
