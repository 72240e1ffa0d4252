// Goal: the fragment-caching serialiser writes exactly what JSON.stringify writes, for any value,
// whatever parts of it are frozen (cached) and however often it is asked.
// Method: fast-check over random JSON-like values, some of their objects frozen; each value is
// serialised twice so the second answer comes from the caches.

import test from 'ava';
import fc from 'fast-check';
import { jsonBody, toJson } from '../../src/http/serialize.js';

const jsonValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
}));

/** Freezes a random subset of the objects inside `value` (the rows and views of real answers). */
function freezeSome(value: unknown, choices: () => boolean): unknown {
  if (typeof value !== 'object' || value === null) return value;
  for (const item of Object.values(value)) freezeSome(item, choices);
  if (choices()) Object.freeze(value);
  return value;
}

test('toJson and jsonBody equal JSON.stringify, before and after caching', (t) => {
  fc.assert(
    fc.property(jsonValue.value, fc.infiniteStream(fc.boolean()), (value, freezes) => {
      const iterator = freezes[Symbol.iterator]();
      const subject = freezeSome(structuredClone(value), () => iterator.next().value as boolean);
      const expected = JSON.stringify(subject) ?? 'null';
      for (let round = 0; round < 2; round++) {
        if ((toJson(subject) ?? 'null') !== expected) return false;
        const body = jsonBody(subject);
        if ((typeof body === 'string' ? body : body.toString('utf8')) !== expected) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('user keys such as __proto__ are written as keys', (t) => {
  const meta = JSON.parse('{"__proto__":"x","a":"b"}') as object;
  t.is(toJson(Object.freeze({ Meta: meta })), '{"Meta":{"__proto__":"x","a":"b"}}');
});
