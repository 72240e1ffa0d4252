// Goal: each load-balancing picker does what its policy says, deterministically: round robin
// cycles (skipping ejected endpoints), random is uniform, least_request prefers the endpoint with
// fewer requests in flight and its counters survive a picker swap, ring_hash and maglev send a
// key to one endpoint always, and removing an endpoint moves only its own keys (ring_hash,
// exactly) or its own keys plus a small bounded share (maglev, the paper's "minimal
// disruption"); hash policies combine headers, cookies, query parameters and the source IP, and
// a cookie policy with a TTL generates the cookie. Method: table tests and fast-check properties
// over SeededRandom; no sockets.

import test from 'ava';
import fc from 'fast-check';
import { SeededRandom } from '../../src/lib/random.js';
import { combineHashes, hash32 } from '../../src/proxy/balance/hash.js';
import { cookieValue, parseHashPolicies, requestHash } from '../../src/proxy/balance/hash-policy.js';
import { ActiveRequests } from '../../src/proxy/balance/least-request.js';
import { buildPicker, parseLoadBalancer } from '../../src/proxy/balance/load-balancer.js';
import { MaglevBalancer } from '../../src/proxy/balance/maglev.js';
import { endpointKey, type PickContext, pickWithPanic } from '../../src/proxy/balance/picker.js';
import { pointsPerEndpoint, RingHashBalancer } from '../../src/proxy/balance/ring-hash.js';
import type { Endpoint } from '../../src/proxy/picker.js';

const endpoint = (i: number): Endpoint => ({ host: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 8080, id: `api-${i}`, datacenter: 'dc1', tags: [], meta: {} });
const endpoints = (count: number): Endpoint[] => Array.from({ length: count }, (_, i) => endpoint(i));
const context = (over: Partial<PickContext> = {}): PickContext => ({ hash: undefined, random: new SeededRandom(1), usable: () => true, activeRequests: () => 0, ...over });

test('parseLoadBalancer: Consul policies and their defaults', (t) => {
  t.deepEqual(parseLoadBalancer(undefined), { policy: 'round_robin' });
  t.deepEqual(parseLoadBalancer({ Policy: '' }), { policy: 'round_robin' });
  t.deepEqual(parseLoadBalancer({ Policy: 'least_request' }), { policy: 'least_request', choiceCount: 2 });
  t.deepEqual(parseLoadBalancer({ Policy: 'least_request', LeastRequestConfig: { ChoiceCount: 5 } }), { policy: 'least_request', choiceCount: 5 });
  t.like(parseLoadBalancer({ Policy: 'ring_hash' }), { policy: 'ring_hash', ring: { minimumRingSize: 1024, maximumRingSize: 8 * 1024 * 1024 } });
  t.like(parseLoadBalancer({ Policy: 'maglev', HashPolicies: [{ Field: 'header', FieldValue: 'x-user' }] }), { policy: 'maglev', hashPolicies: [{ field: 'header', fieldValue: 'x-user' }] });
  t.is(pointsPerEndpoint({ minimumRingSize: 1024, maximumRingSize: 4096 }, 8), 512, 'the maximum bounds the whole ring');
  t.is(pointsPerEndpoint({ minimumRingSize: 1024, maximumRingSize: 8 << 20 }, 3), 1024);
});

test('round robin: cycles from a random start, skips ejected endpoints', (t) => {
  const list = endpoints(3);
  const picker = buildPicker({ policy: 'round_robin' }, list, new SeededRandom(3));
  const seen = Array.from({ length: 6 }, () => picker.pick(context())?.id);
  t.deepEqual(seen.slice(0, 3).sort(), ['api-0', 'api-1', 'api-2']);
  t.deepEqual(seen.slice(3), seen.slice(0, 3));
  const usable = (candidate: Endpoint): boolean => candidate.id !== 'api-1';
  for (let i = 0; i < 6; i++) t.not(picker.pick(context({ usable }))?.id, 'api-1');
  t.is(picker.pick(context({ usable: () => false })), undefined);
  t.is(pickWithPanic(picker, context({ usable: () => false }))?.datacenter, 'dc1', 'panic mode: all ejected → pick among all');
});

test('random: uniform over usable endpoints', (t) => {
  const picker = buildPicker({ policy: 'random' }, endpoints(4), new SeededRandom(1));
  const counts = new Map<string, number>();
  const ctx = context({ random: new SeededRandom(9), usable: (candidate) => candidate.id !== 'api-3' });
  for (let i = 0; i < 3000; i++) {
    const id = picker.pick(ctx)?.id ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  t.is(counts.get('api-3'), undefined);
  for (const id of ['api-0', 'api-1', 'api-2']) t.true(Math.abs((counts.get(id) ?? 0) - 1000) < 150, `${id}: ${counts.get(id)}`);
});

test('least_request: P2C prefers the idle endpoint; counters live outside the picker', (t) => {
  const list = endpoints(2);
  const active = new ActiveRequests();
  const releases = Array.from({ length: 5 }, () => active.begin(list[0] as Endpoint));
  const ctx = context({ random: new SeededRandom(5), activeRequests: (candidate) => active.get(candidate) });
  let picker = buildPicker({ policy: 'least_request', choiceCount: 2 }, list, new SeededRandom(1));
  let idle = 0;
  for (let i = 0; i < 1000; i++) if (picker.pick(ctx)?.id === 'api-1') idle++;
  // With 2 endpoints and 2 draws, the busy one wins only when both draws hit it: 1/4.
  t.true(idle > 700 && idle < 800, `idle endpoint picked ${idle}/1000 (expected ~750)`);
  picker = buildPicker({ policy: 'least_request', choiceCount: 2 }, [...list, endpoint(2)], new SeededRandom(1));
  t.is(active.get(list[0] as Endpoint), 5, 'a new picker sees the same counts');
  for (const release of releases) {
    release();
    release();
  }
  t.is(active.get(list[0] as Endpoint), 0, 'release is idempotent');
  const tenChoices = buildPicker({ policy: 'least_request', choiceCount: 10 }, list, new SeededRandom(1));
  active.begin(list[1] as Endpoint);
  let zero = 0;
  for (let i = 0; i < 200; i++) if (tenChoices.pick(ctx)?.id === 'api-0') zero++;
  t.true(zero >= 198, `more choices → nearly always the least loaded (${zero}/200)`);
});

test('ring hash: one key → one endpoint, deterministic across builds and list order', (t) => {
  const list = endpoints(5);
  const a = new RingHashBalancer(list, { minimumRingSize: 1024, maximumRingSize: 1 << 20 });
  const b = new RingHashBalancer([...list].reverse(), { minimumRingSize: 1024, maximumRingSize: 1 << 20 });
  t.is(a.size, 5 * 1024);
  for (let key = 0; key < 200; key++) {
    const hash = hash32(`user-${key}`);
    t.is(a.pick(context({ hash }))?.id, b.pick(context({ hash }))?.id);
  }
  const spread = new Map<string, number>();
  for (let key = 0; key < 5000; key++) {
    const id = a.pick(context({ hash: hash32(`k${key}`) }))?.id ?? '';
    spread.set(id, (spread.get(id) ?? 0) + 1);
  }
  for (const [id, count] of spread) t.true(count > 700 && count < 1300, `${id} holds ${count}/5000 keys`);
  const ejected = a.pick(context({ hash: hash32('user-1') }));
  const next = a.pick(context({ hash: hash32('user-1'), usable: (candidate) => candidate !== ejected }));
  t.not(next?.id, ejected?.id, 'an ejected owner hands its keys to the next point');
});

const removalCase = fc.record({ count: fc.integer({ min: 2, max: 12 }), removed: fc.nat(), keys: fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 20, maxLength: 80 }) });

test('ring hash property: removing an endpoint moves only the keys it held', (t) => {
  fc.assert(
    fc.property(removalCase, ({ count, removed, keys }) => {
      const list = endpoints(count);
      const gone = list[removed % count] as Endpoint;
      const config = { minimumRingSize: 64, maximumRingSize: 1 << 20 };
      const before = new RingHashBalancer(list, config);
      const after = new RingHashBalancer(list.filter((each) => each !== gone), config);
      for (const key of keys) {
        const hash = hash32(key);
        const owner = before.pick(context({ hash }));
        if (owner !== gone && after.pick(context({ hash }))?.id !== owner?.id) return false;
      }
      return true;
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test('maglev: table filled evenly; a removed endpoint moves its keys and few others', (t) => {
  const list = endpoints(5);
  const table = new MaglevBalancer(list, 65_537);
  const again = new MaglevBalancer([...list].reverse(), 65_537);
  const counts = new Map<string, number>();
  for (let slot = 0; slot < 65_537; slot++) {
    const id = table.ownerOf(slot)?.id ?? '';
    t.is(again.ownerOf(slot)?.id, id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const count of counts.values()) t.true(Math.abs(count - 65_537 / 5) <= 1, `maglev slots are even: ${count}`);
  fc.assert(
    fc.property(fc.integer({ min: 3, max: 10 }), fc.nat(), (count, removed) => {
      const members = endpoints(count);
      const gone = members[removed % count] as Endpoint;
      const before = new MaglevBalancer(members, 4099);
      const after = new MaglevBalancer(members.filter((each) => each !== gone), 4099);
      let moved = 0;
      for (let slot = 0; slot < 4099; slot++) {
        const owner = before.ownerOf(slot);
        if (owner !== gone && after.ownerOf(slot)?.id !== owner?.id) moved++;
      }
      // Minimal disruption: other slots that move stay a small share of the table.
      return moved / 4099 < 0.1;
    }),
    { numRuns: 30 },
  );
});

test('hash policies: header, cookie, query parameter, source IP; combination and Terminal', (t) => {
  const facts = { headers: { 'x-user': 'ann', cookie: 'a=1; session="s1"' }, path: '/p?tenant=t7', remoteAddress: '10.1.1.1', remotePort: 5555 };
  const policies = parseHashPolicies([{ Field: 'header', FieldValue: 'X-User' }]);
  t.is(requestHash(policies, facts).hash, hash32('ann'));
  t.is(requestHash(parseHashPolicies([{ Field: 'header', FieldValue: 'x-none' }]), facts).hash, undefined, 'no value → no hash (random pick)');
  t.is(requestHash(parseHashPolicies([{ Field: 'cookie', FieldValue: 'session' }]), facts).hash, hash32('s1'));
  t.is(requestHash(parseHashPolicies([{ Field: 'query_parameter', FieldValue: 'tenant' }]), facts).hash, hash32('t7'));
  t.is(requestHash(parseHashPolicies([{ SourceIP: true }]), facts).hash, hash32('10.1.1.1'));
  t.is(requestHash(parseHashPolicies([{ Field: 'header', FieldValue: 'x-user' }, { SourceIP: true }]), facts).hash, combineHashes(hash32('ann'), hash32('10.1.1.1')));
  t.is(requestHash(parseHashPolicies([{ Field: 'header', FieldValue: 'x-user', Terminal: true }, { SourceIP: true }]), facts).hash, hash32('ann'));
  t.is(cookieValue(['x=1', 'b=2; c=3'], 'c'), '3');
});

test('hash policies: a cookie policy with TTL or Session generates the cookie, deterministically', (t) => {
  const facts = { headers: {}, path: '/', remoteAddress: '10.1.1.1', remotePort: 5555 };
  const ttl = requestHash(parseHashPolicies([{ Field: 'cookie', FieldValue: 'sticky', CookieConfig: { TTL: '1h', Path: '/app' } }]), facts);
  const value = hash32('10.1.1.1:5555').toString(16).padStart(8, '0');
  t.is(ttl.setCookie, `sticky="${value}"; Max-Age=3600; Path=/app; HttpOnly`);
  t.is(ttl.hash, hash32(value));
  const session = requestHash(parseHashPolicies([{ Field: 'cookie', FieldValue: 'sticky', CookieConfig: { Session: true } }]), facts);
  t.is(session.setCookie, `sticky="${value}"; HttpOnly`);
  t.is(requestHash(parseHashPolicies([{ Field: 'cookie', FieldValue: 'sticky' }]), facts).setCookie, undefined, 'no TTL: never generated');
  const returning = requestHash(parseHashPolicies([{ Field: 'cookie', FieldValue: 'sticky', CookieConfig: { TTL: '1h' } }]), { ...facts, headers: { cookie: `sticky="${value}"` } });
  t.is(returning.setCookie, undefined);
  t.is(returning.hash, ttl.hash, 'the returning client hashes as the first request did');
  t.is(endpointKey(endpoint(0)), '10.0.0.1:8080');
});
