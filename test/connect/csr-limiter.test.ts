// Goal: the signing limiter behaves as Consul's: with a rate, a burst of one second's worth passes
// and the rest is refused at once until tokens refill; with only a concurrency limit, a request
// waits up to 500 ms for a slot and is refused after; 0/0 means no limit; updates apply at once.
// Method: CsrLimiter on a ManualClock with sign functions that finish when the test says so.

import test from 'ava';
import { CsrLimiter } from '../../src/connect/ca/csr-limiter.js';
import { ManualClock } from '../../src/lib/clock.js';

test('rate: a burst of one second, then refusals until tokens refill', async (t) => {
  const clock = new ManualClock();
  const limiter = new CsrLimiter(clock, { perSecond: 3, concurrent: 0 });
  for (let i = 0; i < 3; i++) t.is(await limiter.run(() => i), i);
  await t.throwsAsync(limiter.run(() => 0), { message: 'Rate limit reached, try again later' });
  clock.advance(334);
  t.is(await limiter.run(() => 'refilled'), 'refilled');
  limiter.update({ perSecond: 0, concurrent: 0 });
  for (let i = 0; i < 100; i++) await limiter.run(() => i);
  t.pass();
});

test('concurrency: a request waits for a slot up to 500 ms, then is refused', async (t) => {
  const clock = new ManualClock();
  const limiter = new CsrLimiter(clock, { perSecond: 0, concurrent: 1 });
  let finish!: () => void;
  const first = limiter.run(() => new Promise<string>((resolve) => (finish = () => resolve('first'))));
  const second = limiter.run(() => 'second');
  const third = limiter.run(() => 'third');
  clock.advance(100);
  finish();
  t.is(await first, 'first');
  t.is(await second, 'second');
  t.is(await third, 'third', 'slots are handed on in order');
  let release!: () => void;
  const holder = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
  const starved = limiter.run(() => 'never');
  clock.advance(500);
  await t.throwsAsync(starved, { message: 'Rate limit reached, try again later' });
  release();
  await holder;
  t.is(clock.pendingTimers(), 0);
});
