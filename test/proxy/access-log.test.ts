// Goal: the access log gathers lines and writes them in one go, never later than the flush
// interval after the first, at once when the buffer is full, and on flush(); every line is one
// JSON object with the time first. Method: a ManualClock and a sink that records each write.

import test from 'ava';
import { ManualClock } from '../../src/lib/clock.js';
import { limits } from '../../src/lib/limits.js';
import { AccessLog } from '../../src/proxy/access-log.js';

function setup(): { clock: ManualClock; log: AccessLog; writes: string[] } {
  const clock = new ManualClock();
  const writes: string[] = [];
  return { clock, log: new AccessLog(clock, (text) => writes.push(text)), writes };
}

test('lines logged within the flush interval go out in one write, each a JSON object with the time first', (t) => {
  const { clock, log, writes } = setup();
  log.write({ method: 'GET', path: '/a "quoted"', status: 200 });
  clock.advance(1);
  log.write({});
  t.deepEqual(writes, [], 'nothing written before the interval');
  clock.advance(limits.proxyAccessLogFlushMs - 2);
  t.deepEqual(writes, []);
  clock.advance(1);
  t.is(writes.length, 1);
  const lines = (writes[0] ?? '').split('\n');
  t.is(lines.pop(), '', 'every line ends in a newline');
  t.deepEqual(
    lines.map((line) => JSON.parse(line) as unknown),
    [
      { time: new Date(clock.nowMs() - limits.proxyAccessLogFlushMs).toISOString(), method: 'GET', path: '/a "quoted"', status: 200 },
      { time: new Date(clock.nowMs() - limits.proxyAccessLogFlushMs + 1).toISOString() },
    ],
  );
  t.true(lines[0]?.startsWith('{"time":'));
  clock.advance(10 * limits.proxyAccessLogFlushMs);
  t.is(writes.length, 1, 'no timer runs while nothing is gathered');
});

test('a full buffer is written at once; flush() writes the rest and cancels the timer', (t) => {
  const { clock, log, writes } = setup();
  const path = 'x'.repeat(1024);
  let logged = 0;
  while (writes.length === 0) {
    log.write({ path });
    logged++;
  }
  const written = writes[0]?.length ?? 0;
  t.true(written >= limits.proxyAccessLogBufferBytesMax, 'written once full');
  t.true(written - written / logged < limits.proxyAccessLogBufferBytesMax, 'not before (the lines are all as long)');
  t.is(clock.monotonicMs(), 0, 'without waiting for the timer');
  log.write({ path: '/last' });
  log.flush();
  t.is(writes.length, 2);
  t.regex(writes[1] ?? '', /"path":"\/last"\}\n$/);
  log.flush();
  clock.advance(limits.proxyAccessLogFlushMs);
  t.is(writes.length, 2, 'nothing left to write');
  const lines = writes.join('').split('\n').filter((line) => line !== '');
  t.is(lines.length, logged + 1, 'no line lost or doubled');
});
