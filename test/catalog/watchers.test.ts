// Goal: a watcher that throws (a taxiway bug) neither stops the other watchers of a commit nor
// makes the commit look failed. Method: the Watchers registry alone, with plain callbacks.

import test from 'ava';
import { AssertionError } from '../../src/lib/assert.js';
import { TaxiwayError } from '../../src/lib/errors.js';
import { Watchers } from '../../src/catalog/watch.js';

test('every watcher runs even when one throws, and the failure is reported as a bug', (t) => {
  const watchers = new Watchers();
  const ran: string[] = [];
  watchers.watch(['k'], () => ran.push('first'));
  watchers.watch(['k'], () => {
    throw new TaxiwayError('bad_request', 'not a client error');
  });
  watchers.watch(['k'], () => ran.push('third'));
  const error = t.throws(() => watchers.notify(['k']));
  t.true(error instanceof AssertionError);
  t.false(error instanceof TaxiwayError);
  t.deepEqual(ran, ['first', 'third']);
});

test('a watcher on several keys runs once per notification, and unwatching leaves no keys', (t) => {
  const watchers = new Watchers();
  let runs = 0;
  const unwatch = watchers.watch(['a', 'b', 'c'], () => runs++);
  watchers.notify(['a', 'b']);
  t.is(runs, 1);
  unwatch();
  t.is(watchers.watchedKeyCount, 0);
});
