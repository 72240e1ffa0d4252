// Goal: blockingQuery follows the rules in its header: no minimum index → one run, at once; a
// result index at or below the minimum blocks until a write to a key the run read (an unrelated
// write does not end it), the wait (default 5 min, clamped to 10 min, plus up to wait/16 jitter)
// runs out, or the caller aborts; a timeout answers the latest state; index 0 is reported as 1;
// and every case ends with no watch and no timer left behind.
// Method: a ManualClock moves time by hand and a SeededRandom fixes the jitter, so every deadline
// is exact; each test ends by asserting store.watchedKeyCount === 0 and clock.pendingTimers() === 0.

import test, { type ExecutionContext } from 'ava';
import { blockingQuery, effectiveWaitMs, type BlockingDeps, type QueryResult } from '../../src/catalog/blocking-query.js';
import { serviceInstances, type ServiceInstance } from '../../src/catalog/reads/catalog.js';
import { StateStore } from '../../src/catalog/store.js';
import type { WatchSet } from '../../src/catalog/watch.js';
import { ManualClock } from '../../src/lib/clock.js';
import { limits } from '../../src/lib/limits.js';
import { SeededRandom } from '../../src/lib/random.js';
import { Harness, register, serviceContent } from './fixtures.js';

const seed = 42;

interface Setup {
  readonly h: Harness;
  readonly clock: ManualClock;
  readonly deps: BlockingDeps;
  /** The wait the first query gets for `requestedMs`, from a copy of the seeded stream. */
  readonly waitFor: (requestedMs: number) => number;
}

function setUp(): Setup {
  const h = new Harness();
  h.ok(register('n1', { service: serviceContent('web', 'web') }));
  h.ok(register('n1', { service: serviceContent('api', 'api') }));
  const clock = new ManualClock();
  return { h, clock, deps: { store: h.store, clock, random: new SeededRandom(seed) }, waitFor: (ms) => effectiveWaitMs(ms, new SeededRandom(seed)) };
}

const web = (store: StateStore) => (watch: WatchSet): QueryResult<readonly ServiceInstance[]> => serviceInstances(store, watch, 'web', false);

/** Lets promise callbacks run (the query resumes on a microtask after a wake-up). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>): { readonly done: boolean; readonly promise: Promise<T> } {
  const state = { done: false, promise };
  promise.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
}

function assertNothingLeft(t: ExecutionContext, s: Setup): void {
  t.is(s.h.store.watchedKeyCount, 0, 'no watch left');
  t.is(s.clock.pendingTimers(), 0, 'no timer left');
}

test('without a minimum index the query runs once, at once, and leaves nothing', async (t) => {
  const s = setUp();
  let runs = 0;
  const result = await blockingQuery(s.deps, { minIndex: 0, maxWaitMs: 0 }, (watch) => {
    runs++;
    return web(s.h.store)(watch);
  });
  t.is(runs, 1);
  t.is(result.index, 1);
  t.is(result.value.length, 1);
  assertNothingLeft(t, s);
});

test('a result index above the minimum returns at once', async (t) => {
  const s = setUp();
  const result = await blockingQuery(s.deps, { minIndex: 0.5, maxWaitMs: 1000 }, web(s.h.store));
  t.is(result.index, 1);
  assertNothingLeft(t, s);
});

test('index 0 is reported as 1, with and without blocking', async (t) => {
  const s = setUp();
  const nothing = (): QueryResult<null> => ({ index: 0, value: null });
  t.is((await blockingQuery(s.deps, { minIndex: 0, maxWaitMs: 0 }, nothing)).index, 1);
  const blocked = track(blockingQuery(s.deps, { minIndex: 1, maxWaitMs: 1000 }, nothing));
  await settle();
  t.false(blocked.done, 'index 1 is not above 1: it blocks');
  s.clock.advance(s.waitFor(1000));
  t.is((await blocked.promise).index, 1);
  assertNothingLeft(t, s);
});

test('index at the minimum blocks until a write to a key it read, then answers the new state', async (t) => {
  const s = setUp();
  const query = track(blockingQuery(s.deps, { minIndex: 1, maxWaitMs: 60_000 }, web(s.h.store)));
  await settle();
  t.false(query.done);
  t.is(s.h.store.watchedKeyCount, 1, 'it watches service:web');
  s.clock.advance(30_000);
  t.false(query.done);
  s.h.ok(register('n2', { service: serviceContent('web', 'web') }));
  const result = await query.promise;
  t.is(result.index, 3);
  t.is(result.value.length, 2);
  assertNothingLeft(t, s);
});

test('an unrelated write does not end the wait; the timeout answers the latest state with the same index', async (t) => {
  const s = setUp();
  const waitMs = s.waitFor(60_000);
  const query = track(blockingQuery(s.deps, { minIndex: 1, maxWaitMs: 60_000 }, web(s.h.store)));
  await settle();
  s.h.ok(register('n1', { service: serviceContent('api', 'api', { Tags: ['changed'] }) }));
  s.h.ok(register('n3'));
  await settle();
  t.false(query.done, 'writes to api and to another node leave web alone');
  s.clock.advance(Math.ceil(waitMs) - 1);
  await settle();
  t.false(query.done, 'not before the deadline');
  s.clock.advance(1);
  const result = await query.promise;
  t.is(result.index, 1, 'a timeout is a normal answer with an unchanged index');
  assertNothingLeft(t, s);
});

test('a relevant write that leaves the index at or below the minimum keeps waiting, within the same deadline', async (t) => {
  const s = setUp();
  const waitMs = s.waitFor(10_000);
  // A client ahead of this server (minIndex 100) is woken by each write to web and waits again.
  const query = track(blockingQuery(s.deps, { minIndex: 100, maxWaitMs: 10_000 }, web(s.h.store)));
  await settle();
  s.clock.advance(4_000);
  s.h.ok(register('n1', { service: serviceContent('web', 'web', { Tags: ['x'] }) }));
  await settle();
  t.false(query.done);
  t.is(s.h.store.watchedKeyCount, 1, 'watching again');
  t.is(s.clock.pendingTimers(), 1, 'one timer, not one per round');
  s.clock.advance(Math.ceil(waitMs) - 4_000);
  const result = await query.promise;
  t.is(result.index, 3);
  assertNothingLeft(t, s);
});

const waitCases: { name: string; requestedMs: number; baseMs: number }[] = [
  { name: 'absent ?wait= → 5 min', requestedMs: 0, baseMs: 5 * 60_000 },
  { name: 'negative → 5 min', requestedMs: -5, baseMs: 5 * 60_000 },
  { name: '1 s stays', requestedMs: 1_000, baseMs: 1_000 },
  { name: '10 min stays', requestedMs: 10 * 60_000, baseMs: 10 * 60_000 },
  { name: '1 h → 10 min', requestedMs: 60 * 60_000, baseMs: 10 * 60_000 },
];

for (const { name, requestedMs, baseMs } of waitCases) {
  test(`effective wait: ${name}, plus jitter below wait/16`, (t) => {
    for (let s = 0; s < 200; s++) {
      const waitMs = effectiveWaitMs(requestedMs, new SeededRandom(s));
      t.true(waitMs >= baseMs && waitMs < baseMs + baseMs / 16, `seed ${s}: ${waitMs}`);
    }
    t.is(limits.blockingJitterFraction, 1 / 16);
  });

  test(`blocking query times out exactly at the effective wait: ${name}`, async (t) => {
    const s = setUp();
    const waitMs = s.waitFor(requestedMs);
    t.true(waitMs >= baseMs && waitMs < baseMs * (1 + 1 / 16));
    const query = track(blockingQuery(s.deps, { minIndex: 1, maxWaitMs: requestedMs }, web(s.h.store)));
    await settle();
    s.clock.advance(Math.ceil(waitMs) - 1);
    await settle();
    t.false(query.done);
    s.clock.advance(1);
    await query.promise;
    assertNothingLeft(t, s);
  });
}

test('the jitter is spread over [0, wait/16): seeds do not all pick the same wait', (t) => {
  const waits = new Set(Array.from({ length: 50 }, (_, s) => effectiveWaitMs(16_000, new SeededRandom(s))));
  t.true(waits.size > 40);
  t.true(Math.min(...waits) < 16_200 && Math.max(...waits) > 16_800);
});

test('an abort ends the wait at once and unregisters everything', async (t) => {
  const s = setUp();
  const controller = new AbortController();
  const query = track(blockingQuery(s.deps, { minIndex: 1, maxWaitMs: 60_000, signal: controller.signal }, web(s.h.store)));
  await settle();
  t.false(query.done);
  controller.abort();
  const result = await query.promise;
  t.is(result.index, 1);
  assertNothingLeft(t, s);
});

test('an already aborted signal answers after one run without waiting', async (t) => {
  const s = setUp();
  const controller = new AbortController();
  controller.abort();
  let runs = 0;
  const result = await blockingQuery(s.deps, { minIndex: 1, maxWaitMs: 60_000, signal: controller.signal }, (watch) => {
    runs++;
    return web(s.h.store)(watch);
  });
  t.is(runs, 1);
  t.is(result.index, 1);
  assertNothingLeft(t, s);
});

test('a write and an abort in the same turn: the query ends once and leaves nothing', async (t) => {
  const s = setUp();
  const controller = new AbortController();
  const query = track(blockingQuery(s.deps, { minIndex: 1, maxWaitMs: 60_000, signal: controller.signal }, web(s.h.store)));
  await settle();
  s.h.ok(register('n2', { service: serviceContent('web', 'web') }));
  controller.abort();
  const result = await query.promise;
  t.is(result.index, 3);
  assertNothingLeft(t, s);
});

test('many concurrent queries on one key all wake on one write and leave nothing', async (t) => {
  const s = setUp();
  const queries = Array.from({ length: 100 }, () => blockingQuery(s.deps, { minIndex: 1, maxWaitMs: 60_000 }, web(s.h.store)));
  await settle();
  t.is(s.h.store.watchedKeyCount, 1);
  t.is(s.clock.pendingTimers(), 100);
  s.h.ok(register('n2', { service: serviceContent('web', 'web') }));
  const results = await Promise.all(queries);
  t.true(results.every((result) => result.index === 3));
  assertNothingLeft(t, s);
});

test('each round watches the keys of its latest run only', async (t) => {
  const s = setUp();
  // The first run reads web, later runs read api: the web watch must be gone once api is watched.
  let round = 0;
  const keysOf: string[][] = [];
  const query = track(
    blockingQuery(s.deps, { minIndex: 100, maxWaitMs: 60_000 }, (watch) => {
      round++;
      const name = round === 1 ? 'web' : 'api';
      const result = serviceInstances(s.h.store, watch, name, false);
      keysOf.push([...watch.keys]);
      return result;
    }),
  );
  await settle();
  s.h.ok(register('n2', { service: serviceContent('web', 'web') }));
  await settle();
  t.deepEqual(keysOf, [['service:web'], ['service:api']]);
  t.is(s.h.store.watchedKeyCount, 1);
  s.h.ok(register('n2', { service: serviceContent('web-2', 'web') }));
  await settle();
  t.is(keysOf.length, 2, 'a write to web no longer wakes it');
  s.clock.advance(s.waitFor(60_000));
  await query.promise;
  assertNothingLeft(t, s);
});
