// Goal: ManualClock fires timers in deadline order (ties in the order they were set), only when
// advance() reaches their deadline, with the clock reading the deadline while each runs;
// timers set while firing fire in the same advance() if they fall due; cancel() is idempotent and
// safe after firing; pendingTimers() counts what is left.
// Method: table-like scripts of setTimer / cancel / advance, recording (name, time) on each fire.

import test from 'ava';
import { ManualClock } from '../../src/lib/clock.js';

function recorder(clock: ManualClock): { fired: [string, number][]; at: (delayMs: number, name: string, then?: () => void) => { cancel(): void } } {
  const fired: [string, number][] = [];
  return {
    fired,
    at: (delayMs, name, then) =>
      clock.setTimer(delayMs, () => {
        fired.push([name, clock.monotonicMs()]);
        then?.();
      }),
  };
}

test('timers fire in deadline order, ties in creation order, each reading its own deadline', (t) => {
  const clock = new ManualClock();
  const { fired, at } = recorder(clock);
  at(30, 'c');
  at(10, 'a1');
  at(20, 'b');
  at(10, 'a2');
  at(0, 'zero');
  clock.advance(25);
  t.deepEqual(fired, [
    ['zero', 0],
    ['a1', 10],
    ['a2', 10],
    ['b', 20],
  ]);
  t.is(clock.monotonicMs(), 25);
  t.is(clock.pendingTimers(), 1);
  clock.advance(5);
  t.deepEqual(fired.at(-1), ['c', 30]);
  t.is(clock.pendingTimers(), 0);
});

test('nothing fires before advance(), and a timer fires exactly at its deadline', (t) => {
  const clock = new ManualClock();
  const { fired, at } = recorder(clock);
  at(0, 'now');
  at(100, 'later');
  t.deepEqual(fired, [], 'even a 0 ms timer waits for advance()');
  clock.advance(0);
  t.deepEqual(fired, [['now', 0]]);
  clock.advance(99);
  t.is(fired.length, 1);
  clock.advance(1);
  t.deepEqual(fired, [
    ['now', 0],
    ['later', 100],
  ]);
});

test('timers set while firing fire in the same advance when due, measured from when they were set', (t) => {
  const clock = new ManualClock();
  const { fired, at } = recorder(clock);
  at(10, 'first', () => {
    at(5, 'chained', () => at(5, 'chained-again'));
    at(0, 'immediate');
    at(100, 'too-late');
  });
  clock.advance(20);
  t.deepEqual(fired, [
    ['first', 10],
    ['immediate', 10],
    ['chained', 15],
    ['chained-again', 20],
  ]);
  t.is(clock.pendingTimers(), 1);
  t.is(clock.monotonicMs(), 20);
});

test('a repeating timer (re-armed from its callback) fires once per period', (t) => {
  const clock = new ManualClock();
  const times: number[] = [];
  const arm = (): void => void clock.setTimer(1000, () => (times.push(clock.monotonicMs()), arm()));
  arm();
  clock.advance(5500);
  t.deepEqual(times, [1000, 2000, 3000, 4000, 5000]);
  t.is(clock.pendingTimers(), 1);
});

test('cancel removes a pending timer, is idempotent, and is harmless after the timer fired', (t) => {
  const clock = new ManualClock();
  const { fired, at } = recorder(clock);
  const a = at(10, 'a');
  const b = at(10, 'b');
  a.cancel();
  a.cancel();
  t.is(clock.pendingTimers(), 1);
  clock.advance(10);
  b.cancel();
  t.deepEqual(fired, [['b', 10]]);
  t.is(clock.pendingTimers(), 0);
});

test('a timer cancelled by an earlier timer in the same advance does not fire', (t) => {
  const clock = new ManualClock();
  const { fired, at } = recorder(clock);
  const victim = at(20, 'victim');
  at(10, 'killer', () => victim.cancel());
  clock.advance(30);
  t.deepEqual(fired, [['killer', 10]]);
});

test('negative delays count as 0', (t) => {
  const clock = new ManualClock();
  const { fired, at } = recorder(clock);
  clock.advance(50);
  at(-10, 'negative');
  clock.advance(0);
  t.deepEqual(fired, [['negative', 50]]);
});

test('wall time moves with monotonic time from the given origin', (t) => {
  const clock = new ManualClock(1_000);
  t.is(clock.nowMs(), 1_000);
  clock.advance(250);
  t.is(clock.nowMs(), 1_250);
  t.is(new ManualClock().nowMs(), 1_700_000_000_000);
});
