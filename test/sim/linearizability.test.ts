// Goal: the linearizability checker used by the simulator accepts exactly the linearizable
// register histories: it must not hide a stale read, nor reject a legal concurrent history.
// Method: hand-written histories (times are event numbers) whose verdict is known, including
// open-ended writes; plus a fast-check property: any sequential history produced by a real
// register is accepted.

import test from 'ava';
import fc from 'fast-check';
import { checkRegisterHistory, type Operation } from './linearizability.js';

function put(value: string, invokedAt: number, returnedAt: number | undefined): Operation {
  return { kind: 'put', key: 'k', value, invokedAt, returnedAt };
}

function get(value: string, invokedAt: number, returnedAt: number): Operation {
  return { kind: 'get', key: 'k', value, invokedAt, returnedAt };
}

test('sequential write then read of the written value is linearizable', (t) => {
  t.true(checkRegisterHistory([put('x', 1, 2), get('x', 3, 4)]).linearizable);
});

test('a read of the initial value after a completed write is not (stale read)', (t) => {
  t.false(checkRegisterHistory([put('x', 1, 2), get('', 3, 4)]).linearizable);
});

test('a read overlapping a write may see either value', (t) => {
  t.true(checkRegisterHistory([put('x', 1, 4), get('', 2, 3)]).linearizable);
  t.true(checkRegisterHistory([put('x', 1, 4), get('x', 2, 3)]).linearizable);
});

test('two reads may not see the new value then the old one', (t) => {
  // Both overlap the write, but the second read starts after the first returned.
  t.false(checkRegisterHistory([put('x', 1, 10), get('x', 2, 3), get('', 4, 5)]).linearizable);
  t.true(checkRegisterHistory([put('x', 1, 10), get('', 2, 3), get('x', 4, 5)]).linearizable);
});

test('a write that never returned may have happened, or not', (t) => {
  t.true(checkRegisterHistory([put('x', 1, undefined), get('x', 5, 6)]).linearizable);
  t.true(checkRegisterHistory([put('x', 1, undefined), get('', 5, 6)]).linearizable);
  // ...but once seen, it cannot be unseen.
  t.false(checkRegisterHistory([put('x', 1, undefined), get('x', 5, 6), get('', 7, 8)]).linearizable);
});

test('a read of a value nobody wrote is not linearizable', (t) => {
  t.false(checkRegisterHistory([put('x', 1, 2), get('y', 3, 4)]).linearizable);
});

test('concurrent writes: reads must agree on one order', (t) => {
  const writes = [put('a', 1, 10), put('b', 2, 11)];
  t.true(checkRegisterHistory([...writes, get('a', 12, 13), get('a', 14, 15)]).linearizable);
  t.false(checkRegisterHistory([...writes, get('a', 12, 13), get('b', 14, 15)]).linearizable);
  t.true(checkRegisterHistory([...writes, get('b', 3, 4), get('a', 5, 6)]).linearizable);
});

function cas(expected: string, value: string, swapped: boolean | undefined, invokedAt: number, returnedAt: number | undefined): Operation {
  return { kind: 'cas', key: 'k', value, expected, swapped, invokedAt, returnedAt };
}

test('compare-and-swap: succeeds only on the expected value, fails only on another, unknown may do either', (t) => {
  t.true(checkRegisterHistory([put('a', 1, 2), cas('a', 'b', true, 3, 4), get('b', 5, 6)]).linearizable);
  t.false(checkRegisterHistory([put('a', 1, 2), cas('x', 'b', true, 3, 4)]).linearizable);
  t.false(checkRegisterHistory([put('a', 1, 2), cas('a', 'b', false, 3, 4)]).linearizable);
  t.true(checkRegisterHistory([put('a', 1, 2), cas('x', 'b', false, 3, 4), get('a', 5, 6)]).linearizable);
  // Two swaps from the same value: only one may win.
  t.false(checkRegisterHistory([put('a', 1, 2), cas('a', 'b', true, 3, 6), cas('a', 'c', true, 4, 5)]).linearizable);
  // An unknown swap may or may not have happened, later reads decide.
  t.true(checkRegisterHistory([put('a', 1, 2), cas('a', 'b', undefined, 3, undefined), get('a', 5, 6), get('b', 7, 8)]).linearizable);
  t.true(checkRegisterHistory([put('a', 1, 2), cas('a', 'b', undefined, 3, undefined), get('a', 5, 6)]).linearizable);
  t.false(checkRegisterHistory([put('a', 1, 2), cas('a', 'b', undefined, 3, undefined), get('b', 5, 6), get('a', 7, 8)]).linearizable);
});

test('property: histories of a real sequential register are accepted', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 })), { maxLength: 30 }), (steps) => {
      let state = '';
      let time = 0;
      const operations = steps.map(([isPut, value]): Operation => {
        if (isPut) state = String(value);
        return { kind: isPut ? 'put' : 'get', key: 'k', value: isPut ? String(value) : state, invokedAt: ++time, returnedAt: ++time };
      });
      return checkRegisterHistory(operations).linearizable;
    }),
  );
  t.pass();
});
