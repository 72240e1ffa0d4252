// Goal: user events are validated as Consul validates them, kept only by agents their filters
// select, bounded to the newest 256, and listed with a blocking index derived from the newest ID.
// Method: UserEvents with a SeededRandom and a fixed set of local services; table tests.

import test from 'ava';
import { eventIndexOf, UserEvents } from '../../src/agent/user-events.js';
import { TaxiwayError } from '../../src/lib/errors.js';
import { limits } from '../../src/lib/limits.js';
import { SeededRandom } from '../../src/lib/random.js';

function events(): UserEvents {
  return new UserEvents({ random: new SeededRandom(1), nodeName: () => 'web-1', services: () => [{ Service: 'api', Tags: ['v2', 'blue'] }] });
}

const fire = (name: string, filters: { node?: string; service?: string; tag?: string } = {}) => ({
  name,
  payload: null,
  nodeFilter: filters.node ?? '',
  serviceFilter: filters.service ?? '',
  tagFilter: filters.tag ?? '',
});

test('filters select by node name, service name and tag (unanchored Go regexps)', (t) => {
  const e = events();
  e.fire(fire('all'));
  e.fire(fire('node', { node: '^web-' }));
  e.fire(fire('other-node', { node: '^db-' }));
  e.fire(fire('service', { service: 'ap' }));
  e.fire(fire('tag', { service: 'api', tag: '^blue$' }));
  e.fire(fire('wrong-tag', { service: 'api', tag: 'green' }));
  t.deepEqual(
    e.list('').map((event) => event.Name),
    ['all', 'node', 'service', 'tag'],
  );
  // The Lamport clock counts every event fired, kept here or not: "tag" was the fifth.
  t.deepEqual(
    e.list('tag').map((event) => event.LTime),
    [5],
  );
});

test('bad input is refused with Consul words, and nothing is kept', (t) => {
  const e = events();
  const refused = (request: ReturnType<typeof fire>, message: string) => t.throws(() => e.fire(request), { instanceOf: TaxiwayError, message });
  refused(fire(''), 'User event missing name');
  refused(fire('x', { tag: 'a' }), 'Cannot provide tag filter without service filter');
  t.throws(() => e.fire(fire('x', { node: '(' })), { message: /^Invalid node filter: / });
  t.throws(() => e.fire({ ...fire('x'), payload: Buffer.alloc(limits.userEventBytesMax) }), { message: 'user event exceeds configured limit of 512 bytes before encoding' });
  t.deepEqual(e.list(''), []);
});

test('the ring keeps the newest events; the index follows the newest ID and is never 0', (t) => {
  const e = events();
  t.is(e.index, 1);
  for (let i = 0; i < limits.userEventsKept + 10; i++) e.fire(fire(`e${i}`));
  const kept = e.list('');
  t.is(kept.length, limits.userEventsKept);
  t.is(kept[0]?.Name, 'e10');
  t.is(e.index, eventIndexOf(kept[kept.length - 1]?.ID ?? ''));
  t.true(Number.isSafeInteger(e.index) && e.index > 0);
});

test('a waiter is woken once by the next kept event, not by one filtered out', (t) => {
  const e = events();
  let woken = 0;
  e.onNext(() => woken++);
  e.fire(fire('skip', { node: 'nope' }));
  t.is(woken, 0);
  e.fire(fire('keep'));
  e.fire(fire('again'));
  t.is(woken, 1);
});
