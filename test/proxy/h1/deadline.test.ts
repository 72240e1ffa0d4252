// Goal: the lazily re-armed Deadline fires exactly at its latest due time, with one timer while
// it only moves later, and never after clear/cancel. Method: ManualClock.

import test from 'ava';
import { ManualClock } from '../../../src/lib/clock.js';
import { Deadline } from '../../../src/proxy/l7/h1/deadline.js';

test('Deadline: moves without new timers; fires once at the latest due time; clear and cancel', (t) => {
  const clock = new ManualClock();
  const deadline = new Deadline(clock);
  let fired = 0;
  deadline.set(1_000, () => fired++);
  clock.advance(500);
  deadline.set(1_000, () => fired++);
  t.is(clock.pendingTimers(), 1, 'a later due time reuses the timer');
  clock.advance(500);
  t.is(fired, 0, 'the first timer re-arms for the moved deadline');
  clock.advance(500);
  t.is(fired, 1);
  deadline.set(100, () => fired++);
  deadline.clear();
  clock.advance(1_000);
  t.is(fired, 1);
  deadline.set(2_000, () => fired++);
  deadline.set(10, () => fired++);
  clock.advance(10);
  t.is(fired, 2, 'an earlier due time arms a new timer');
  deadline.set(10, () => fired++);
  deadline.cancel();
  t.is(clock.pendingTimers(), 0);
});
