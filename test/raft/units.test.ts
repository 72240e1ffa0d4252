// Goal: the pure pieces under the core behave as their doc comments say: quorum math, the
// in-flight window, progress transitions, MemoryStorage, the RaftLog's conflict search and
// append, membership arithmetic, and config validation with clear errors.
// Method: table tests, plus fast-check properties for the quorum math (a committed index is
// matched by a majority, and no larger index is).

import test from 'ava';
import fc from 'fast-check';
import { SeededRandom } from '../../src/lib/random.js';
import { MemoryStorage, nextConfig, RaftConfigError, RaftCore, validateRaftConfig } from '../../src/raft/index.js';
import { Inflights, Progress } from '../../src/raft/progress.js';
import { committedIndex, majoritySize, voteResult } from '../../src/raft/quorum.js';
import { RaftLog } from '../../src/raft/raft-log.js';
import { config, entry } from './harness.js';

test('majority sizes', (t) => {
  t.deepEqual([1, 2, 3, 4, 5, 6, 7].map(majoritySize), [1, 2, 2, 3, 3, 4, 4]);
});

test('committedIndex is matched by a majority and nothing larger is (property)', (t) => {
  fc.assert(
    fc.property(fc.array(fc.nat(100), { minLength: 1, maxLength: 7 }), (matches) => {
      const voters = matches.map((_, i) => i + 1);
      const index = committedIndex(voters, (id) => matches[id - 1] ?? 0);
      const atLeast = (value: number): number => matches.filter((match) => match >= value).length;
      return atLeast(index) >= majoritySize(voters.length) && atLeast(index + 1) < majoritySize(voters.length);
    }),
  );
  t.is(committedIndex([], () => 0), Infinity);
});

test('voteResult: won, lost, pending; non-voters ignored', (t) => {
  const votes = (pairs: [number, boolean][]): Map<number, boolean> => new Map(pairs);
  t.is(voteResult([1, 2, 3], votes([[1, true], [2, true]])), 'won');
  t.is(voteResult([1, 2, 3], votes([[1, true], [2, false]])), 'pending');
  t.is(voteResult([1, 2, 3], votes([[1, false], [2, false]])), 'lost');
  t.is(voteResult([1, 2, 3], votes([[1, true], [9, true]])), 'pending');
  t.is(voteResult([1], votes([[1, true]])), 'won');
});

test('Inflights: add until full, free up to an index', (t) => {
  const inflights = new Inflights(3);
  inflights.add(5);
  inflights.add(7);
  inflights.add(9);
  t.true(inflights.full());
  t.throws(() => inflights.add(11));
  inflights.freeLE(7);
  t.is(inflights.count(), 1);
  t.false(inflights.full());
  inflights.freeLE(100);
  t.is(inflights.count(), 0);
});

test('Progress: probe pauses after one send; replicate streams within the window', (t) => {
  const progress = new Progress(5, 2, false);
  t.is(progress.state, 'probe');
  progress.sentEntries(1, 5);
  t.true(progress.isPaused());
  t.true(progress.maybeUpdate(5));
  progress.becomeReplicate();
  t.is(progress.next, 6);
  progress.sentEntries(2, 7);
  progress.sentEntries(1, 8);
  t.true(progress.isPaused(), 'window of 2 appends is full');
  t.is(progress.next, 9);
  // A rejection in replicate state falls back to match + 1; a stale one is ignored.
  t.false(progress.maybeDecrTo(4, 4));
  t.true(progress.maybeDecrTo(7, 6));
  t.is(progress.next, 6);
});

test('Progress: probe back-off uses the hint but never goes below match + 1', (t) => {
  const progress = new Progress(11, 4, false);
  progress.match = 3;
  t.true(progress.maybeDecrTo(10, 6));
  t.is(progress.next, 7);
  t.false(progress.maybeDecrTo(10, 2), 'stale: next - 1 is no longer 10');
  t.true(progress.maybeDecrTo(6, 0));
  t.is(progress.next, 4);
});

test('MemoryStorage: append truncates conflicts; snapshot and compact keep the boundary term', (t) => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1, 'aaaa'), entry(2, 1, 'bbbb'), entry(3, 2, 'cccc')]);
  storage.append([entry(3, 3, 'dddd'), entry(4, 3, 'eeee')]);
  t.deepEqual([storage.firstIndex(), storage.lastIndex(), storage.term(3)], [1, 4, 3]);
  t.deepEqual(storage.entries(2, 5, 1).map((e) => e.index), [2], 'byte limit still returns one entry');
  t.deepEqual(storage.entries(2, 5, 8).map((e) => e.index), [2, 3]);
  storage.createSnapshot(3, { voters: [1], learners: [] }, new Uint8Array([1]));
  storage.compact(3);
  t.deepEqual([storage.firstIndex(), storage.lastIndex(), storage.term(3), storage.term(2)], [4, 4, 3, undefined]);
  t.throws(() => storage.entries(3, 4, 100));
  t.throws(() => storage.compact(4), { message: /beyond the snapshot/ });
  storage.applySnapshot({ meta: { index: 10, term: 5, config: { voters: [1, 2], learners: [] } }, data: new Uint8Array() });
  t.deepEqual([storage.firstIndex(), storage.lastIndex(), storage.term(10)], [11, 10, 5]);
  t.deepEqual(storage.initialState().config.voters, [1, 2]);
});

test('RaftLog: findConflictByTerm finds the last index whose term is ≤ the given term', (t) => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 4)]);
  const log = new RaftLog(storage, 0);
  t.deepEqual(log.findConflictByTerm(5, 3), { index: 4, term: 2 });
  t.deepEqual(log.findConflictByTerm(5, 1), { index: 2, term: 1 });
  t.deepEqual(log.findConflictByTerm(5, 0), { index: 0, term: 0 });
  t.deepEqual(log.findConflictByTerm(5, 9), { index: 5, term: 4 });
});

test('RaftLog: maybeAppend checks the previous entry, truncates conflicts, bounds commit', (t) => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  const log = new RaftLog(storage, 0);
  t.is(log.maybeAppend(3, 2, 3, [entry(4, 2)]), undefined, 'term mismatch at 3');
  t.is(log.maybeAppend(1, 1, 9, [entry(2, 2), entry(3, 2)]), 3);
  t.deepEqual([log.term(2), log.term(3), log.committed], [2, 2, 3]);
  t.is(log.maybeAppend(3, 2, 3, []), 3, 'an empty append that matches');
  t.throws(() => log.maybeAppend(1, 1, 3, [entry(2, 9)]), { message: /conflicts with committed/ });
});

test('nextConfig: add, promote, remove; invalid changes refused', (t) => {
  const base = { voters: [1, 2, 3], learners: [] };
  t.deepEqual(nextConfig(base, { type: 'addLearner', node: 4 }), { voters: [1, 2, 3], learners: [4] });
  t.deepEqual(nextConfig({ voters: [1, 2, 3], learners: [4] }, { type: 'addVoter', node: 4 }), { voters: [1, 2, 3, 4], learners: [] });
  t.deepEqual(nextConfig(base, { type: 'removeNode', node: 2 }), { voters: [1, 3], learners: [] });
  t.is(nextConfig(base, { type: 'addVoter', node: 2 }), undefined);
  t.is(nextConfig(base, { type: 'addLearner', node: 3 }), undefined);
  t.is(nextConfig(base, { type: 'removeNode', node: 9 }), undefined);
  t.is(nextConfig({ voters: [1], learners: [] }, { type: 'removeNode', node: 1 }), undefined);
  t.is(nextConfig(base, { type: 'addLearner', node: 0 }), undefined);
});

test('validateRaftConfig names the bad setting', (t) => {
  const storage = new MemoryStorage();
  const good = config(1, [1, 2, 3], [], storage, { random: new SeededRandom(1) });
  t.notThrows(() => validateRaftConfig(good));
  const cases: [Partial<typeof good>, RegExp][] = [
    [{ id: 0 }, /id must be a positive integer/],
    [{ electionTicks: 1, heartbeatTicks: 1 }, /electionTicks \(1\) must be greater than heartbeatTicks/],
    [{ maxInflightMessages: 0 }, /maxInflightMessages/],
    [{ voters: [1, 1] }, /duplicates/],
    [{ learners: [3] }, /both a voter and a learner/],
    [{ applied: -1 }, /applied/],
  ];
  for (const [override, message] of cases) {
    t.throws(() => new RaftCore({ ...good, ...override }), { instanceOf: RaftConfigError, message });
  }
});

test('RaftCore restarts from storage: term, vote, commit and membership', (t) => {
  const storage = new MemoryStorage();
  storage.applySnapshot({ meta: { index: 5, term: 2, config: { voters: [1, 2, 3], learners: [4] } }, data: new Uint8Array() });
  storage.append([entry(6, 3), entry(7, 3)]);
  storage.setHardState({ term: 3, vote: 2, commit: 6 });
  const core = new RaftCore(config(1, [], [], storage));
  const status = core.status();
  t.deepEqual([status.term, status.vote, status.commit, status.applied, status.lastIndex], [3, 2, 6, 5, 7]);
  t.deepEqual(status.config, { voters: [1, 2, 3], learners: [4] });
  const ready = core.ready();
  t.deepEqual(ready.committedEntries.map((e) => e.index), [6], 'replays committed entries after the snapshot');
  // A commit beyond the stored log is refused.
  storage.setHardState({ term: 3, vote: 2, commit: 9 });
  t.throws(() => new RaftCore(config(1, [], [], storage)), { instanceOf: RaftConfigError, message: /beyond the stored log/ });
});
