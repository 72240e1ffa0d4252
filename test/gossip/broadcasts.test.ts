// Goal: the retransmit queue stays bounded, keeps only the newest news per member, never sends an
// entry more than the retransmit limit, never overfills a packet, and sends fresh news first.
// Method: fast-check over random sequences of queue/take operations against a simple model, plus
// a few worked examples.

import test from 'ava';
import fc from 'fast-check';
import { BroadcastQueue } from '../../src/gossip/broadcasts.js';
import { framedBytes } from '../../src/gossip/codec.js';

const bytes = (tag: number, length: number): Uint8Array => new Uint8Array(length).fill(tag % 256);

test('newest news about a key replaces the older one', (t) => {
  const q = new BroadcastQueue(10);
  q.queue('a', bytes(1, 5));
  q.queue('b', bytes(2, 5));
  q.queue('a', bytes(3, 5));
  t.is(q.size, 2);
  t.deepEqual(q.take(1_000, 3).map((b) => b[0]), [3, 2], 'newest first');
});

test('unkeyed entries never replace each other', (t) => {
  const q = new BroadcastQueue(10);
  q.queue(undefined, bytes(1, 5));
  q.queue(undefined, bytes(2, 5));
  t.is(q.size, 2);
});

test('fewest-sent first: a fresh entry overtakes one already sent', (t) => {
  const q = new BroadcastQueue(10);
  q.queue('a', bytes(1, 5));
  t.deepEqual(q.take(1_000, 5).map((b) => b[0]), [1]);
  q.queue('b', bytes(2, 5));
  t.deepEqual(q.take(framedBytes(bytes(0, 5)), 5).map((b) => b[0]), [2]);
});

type Op = { kind: 'queue'; key: number | undefined; length: number } | { kind: 'take'; budget: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('queue' as const), key: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }), length: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ kind: fc.constant('take' as const), budget: fc.integer({ min: 0, max: 200 }) }),
);

test('property: bounded, one entry per key (the newest), ≤ limit sends per entry, budget respected', (t) => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 6 }), (ops, maxEntries, limit) => {
      const q = new BroadcastQueue(maxEntries);
      const sends = new Map<number, number>();
      const newestByKey = new Map<number, number>();
      let serial = 0;
      for (const o of ops) {
        if (o.kind === 'queue') {
          serial += 1;
          // Tag each payload with its serial in the first 4 bytes so sends can be counted.
          const payload = new Uint8Array(Math.max(4, o.length));
          new DataView(payload.buffer).setUint32(0, serial);
          q.queue(o.key === undefined ? undefined : `k${o.key}`, payload);
          if (o.key !== undefined) newestByKey.set(o.key, serial);
        } else {
          const taken = q.take(o.budget, limit);
          const used = taken.reduce((sum, b) => sum + framedBytes(b), 0);
          if (used > o.budget) return false;
          for (const b of taken) {
            const id = new DataView(b.buffer, b.byteOffset).getUint32(0);
            sends.set(id, (sends.get(id) ?? 0) + 1);
          }
        }
        if (q.size > maxEntries) return false;
        const keys = q.pending().map((e) => e.key).filter((k) => k !== undefined);
        if (new Set(keys).size !== keys.length) return false;
        for (const e of q.pending()) {
          if (e.key === undefined) continue;
          const id = new DataView(e.bytes.buffer, e.bytes.byteOffset).getUint32(0);
          if (id !== newestByKey.get(Number(e.key.slice(1)))) return false;
        }
      }
      return [...sends.values()].every((count) => count <= limit);
    }),
    { numRuns: 300 },
  );
  t.pass();
});
