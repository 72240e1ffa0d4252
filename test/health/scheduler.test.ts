// Goal: the scheduler spreads first runs over the interval, runs each check again one interval
// after its run finished (never overlapping), and leaves no timer behind. Method: a ManualClock
// and a seeded Random; the test plays the driver, recording when each check fell due.

import test from 'ava';
import { CheckScheduler, type RunToken } from '../../src/health/scheduler.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';

function setup(seed = 7) {
  const clock = new ManualClock();
  const due: { id: string; atMs: number }[] = [];
  const tokens = new Map<string, RunToken>();
  const scheduler = new CheckScheduler(clock, new SeededRandom(seed), (id, token) => {
    tokens.set(id, token);
    due.push({ id, atMs: clock.monotonicMs() });
  });
  /** Plays the driver: the last run of `id` is over. */
  const finish = (id: string): void => scheduler.finished(id, tokens.get(id)!);
  return { clock, due, scheduler, finish, tokens };
}

test('first runs are staggered across the interval, not synchronised', (t) => {
  const { clock, due, scheduler } = setup();
  for (let i = 0; i < 200; i++) scheduler.add(`c${i}`, 10_000);
  clock.advance(10_000);
  t.is(due.length, 200);
  t.true(due.every((entry) => entry.atMs >= 0 && entry.atMs < 10_000));
  // Ten 1-second buckets each get some of the 200 first runs: none is empty, none has half.
  const buckets = new Array<number>(10).fill(0);
  for (const entry of due) buckets[Math.floor(entry.atMs / 1000)]! += 1;
  t.true(buckets.every((count) => count > 0 && count < 100), `buckets ${buckets.join(',')}`);
});

test('the next run is due one interval after the previous one finished; no run overlaps', (t) => {
  const { clock, due, scheduler, finish } = setup();
  scheduler.add('web', 1000);
  clock.advance(1000);
  t.is(due.length, 1);
  const firstMs = due[0]!.atMs;
  // The run takes 2.5 intervals: nothing else falls due meanwhile.
  clock.advance(2500);
  t.is(due.length, 1);
  finish('web');
  clock.advance(999);
  t.is(due.length, 1);
  clock.advance(1);
  t.is(due.length, 2);
  // finished() was called at 3,500 ms (advance 1,000 then 2,500), so the next run is at 4,500.
  t.true(firstMs < 1000);
  t.is(due[1]!.atMs, 4500);
});

test('remove and stop cancel every timer; finished() after remove does nothing', (t) => {
  const { clock, due, scheduler, finish } = setup();
  scheduler.add('a', 1000);
  scheduler.add('b', 1000);
  clock.advance(1000);
  t.is(due.length, 2);
  scheduler.remove('a');
  finish('a');
  finish('b');
  t.is(clock.pendingTimers(), 1);
  scheduler.stop();
  t.is(clock.pendingTimers(), 0);
  clock.advance(10_000);
  t.is(due.length, 2);
});

test('add() of a scheduled id replaces its schedule', (t) => {
  const { clock, due, scheduler } = setup();
  scheduler.add('a', 1000);
  scheduler.add('a', 60_000);
  t.is(clock.pendingTimers(), 1);
  clock.advance(1000);
  t.true(due.length <= 1);
  t.true(scheduler.has('a'));
});

test('a run that outlives a re-add of its check does not arm the new schedule', (t) => {
  const { clock, due, scheduler, tokens } = setup();
  scheduler.add('a', 1000);
  clock.advance(1000);
  const oldRun = tokens.get('a')!;
  // Re-added (a definition change) while the old run is in flight; the new schedule's first run comes and is in flight too.
  scheduler.add('a', 1000);
  clock.advance(1000);
  t.is(due.length, 2);
  t.is(clock.pendingTimers(), 0);
  // The old run reports: ignored. Only the new run's report arms the next one.
  scheduler.finished('a', oldRun);
  t.is(clock.pendingTimers(), 0);
  scheduler.finished('a', tokens.get('a')!);
  t.is(clock.pendingTimers(), 1);
});

test('the same seed gives the same schedule', (t) => {
  const first = setup(42);
  const second = setup(42);
  for (const { scheduler } of [first, second]) for (let i = 0; i < 20; i++) scheduler.add(`c${i}`, 5000);
  first.clock.advance(5000);
  second.clock.advance(5000);
  t.deepEqual(first.due, second.due);
});
