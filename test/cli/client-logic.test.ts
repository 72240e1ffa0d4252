// Goal: the pure parts behind the kv, lock and watch commands match Consul's rules: the watch
// index sequence (reset when it goes backwards), the retry backoff, watch parameter parsing,
// the event index, Go's JSON escaping, the lock flag values and the -detailed table layout.
// Method: table tests and fast-check properties on the functions themselves; no agent.

import test from 'ava';
import fc from 'fast-check';
import { detailedPair } from '../../cmd/commands/kv-get.js';
import { decodeStdBase64, parseUint64Flag } from '../../cmd/commands/kv-input.js';
import {
  eventIndexOf,
  goJsonIndent,
  goJsonLine,
  isLockFlags,
  isSemaphoreFlags,
  lockFlagValue,
  nextWatchIndex,
  parseWatchParams,
  semaphoreFlagValue,
  watchRetryMs,
} from '../../src/api/index.js';

test('the next watch index is the new one, or 0 when the index went backwards', (t) => {
  t.is(nextWatchIndex(5, undefined), 5);
  t.is(nextWatchIndex(7, 5), 7);
  t.is(nextWatchIndex(5, 5), 5);
  t.is(nextWatchIndex(3, 5), 0);
  fc.assert(
    fc.property(fc.nat(), fc.option(fc.nat(), { nil: undefined }), (index, previous) => {
      const next = nextWatchIndex(index, previous);
      return next === index || (previous !== undefined && index < previous && next === 0);
    }),
  );
});

test('watch retries back off as 5 s × failures², at most 180 s', (t) => {
  t.deepEqual([1, 2, 3, 6, 7, 100].map(watchRetryMs), [5_000, 20_000, 45_000, 180_000, 180_000, 180_000]);
});

test('watch parameters: each type takes its own, and refuses others as Consul does', (t) => {
  t.deepEqual(parseWatchParams({ type: 'key', key: 'a' }), { params: { type: 'key', key: 'a', stale: false } });
  t.deepEqual(parseWatchParams({ type: 'checks' }), { params: { type: 'checks', service: '', state: 'any', tags: [], stale: false } });
  t.deepEqual(parseWatchParams({ type: 'service', service: 'web', tag: 'v1', passingonly: 'true', stale: true }), {
    params: { type: 'service', service: 'web', tags: ['v1'], passingOnly: true, stale: true },
  });
  t.deepEqual(parseWatchParams({ type: 'event', name: 'x', stale: true }), { error: 'Invalid parameters: [stale]' });
  t.deepEqual(parseWatchParams({ type: 'nodes', key: 'k', name: 'n' }), { error: 'Invalid parameters: [key name]' });
  t.deepEqual(parseWatchParams({ type: 'keyprefix' }), { error: 'Must specify a single prefix to watch' });
  t.deepEqual(parseWatchParams({ type: 'service' }), { error: 'Must specify a single service to watch' });
});

test('the event index folds the UUID halves as the agent does, never 0', (t) => {
  t.is(eventIndexOf('00000000-0000-0000-0000-000000000000'), 1);
  t.is(eventIndexOf('00000000-0000-0001-0000-000000000003'), 2);
  t.is(eventIndexOf('not a uuid'), 0);
  fc.assert(fc.property(fc.uuid(), (id) => Number.isSafeInteger(eventIndexOf(id)) && eventIndexOf(id) > 0));
});

test('Go JSON escapes <, > and & and indents like MarshalIndent', (t) => {
  t.is(goJsonLine({ a: '<b>&' }), '{"a":"\\u003cb\\u003e\\u0026"}\n');
  t.is(goJsonIndent([{ a: 1 }], '    '), '[\n    {\n        "a": 1\n    }\n]');
  t.is(goJsonIndent(null, '    '), 'null');
  t.is(goJsonIndent([], '\t'), '[]');
});

test('lock and semaphore flags are Consul\'s exact uint64 values, recognised as JSON.parse reads them', (t) => {
  t.is(lockFlagValue, 0x2ddccbc058a50c18n);
  t.is(semaphoreFlagValue, 0xe0f69a2baa414de0n);
  t.true(isLockFlags(Number(0x2ddccbc058a50c18n)), 'a Consul-written key, as JSON.parse reads its uint64');
  t.false(isLockFlags(Number(semaphoreFlagValue)));
  t.true(isSemaphoreFlags(Number(semaphoreFlagValue)));
  t.false(isSemaphoreFlags(0));
});

test('kv get -detailed lays out the labels as text/tabwriter does', (t) => {
  const pair = { Key: 'k', CreateIndex: 3, ModifyIndex: 12, LockIndex: 1, Flags: 0, Value: Buffer.from('v').toString('base64'), Session: 's-1' };
  t.is(detailedPair(pair, false), 'CreateIndex      3\nFlags            0\nKey              k\nLockIndex        1\nModifyIndex      12\nSession          s-1\nValue            v');
  t.true(detailedPair({ ...pair, Session: '', Value: null }, true).endsWith('Session          -\nValue            '));
});

test('uint64 flags and base64 data parse as Go parses them', (t) => {
  t.is(parseUint64Flag(undefined), 0);
  t.is(parseUint64Flag('42'), 42);
  t.is(parseUint64Flag('0x10'), 16);
  t.is(parseUint64Flag('1_000'), 1000);
  t.is(parseUint64Flag('-1'), undefined);
  t.is(parseUint64Flag('x'), undefined);
  t.deepEqual(decodeStdBase64('aGk='), { bytes: Buffer.from('hi') });
  t.deepEqual(decodeStdBase64(''), { bytes: Buffer.alloc(0) });
  t.true('error' in decodeStdBase64('aGk'));
  t.true('error' in decodeStdBase64('a!=='));
  fc.assert(fc.property(fc.uint8Array(), (bytes) => {
    const decoded = decodeStdBase64(Buffer.from(bytes).toString('base64'));
    return 'bytes' in decoded && decoded.bytes.equals(Buffer.from(bytes));
  }));
});
