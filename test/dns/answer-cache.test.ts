// Goal: cached replies are exact: the same bytes as a fresh answer apart from the ID and the
// order of the answer records (shuffled again on each hit, the same set), keyed by the request's
// own question bytes, transport, RD and EDNS0 size; gone when the epoch (the store's index)
// moves, when they are older than limits.dnsAnswerCacheMaxAgeMs, and never kept for trimmed
// replies, SERVFAIL or prepared queries. Method: requests encoded with dns-packet through the
// handler over a fake catalog with a ManualClock and a settable epoch; replies decoded.

import test from 'ava';
import { decode, encode, type Packet } from 'dns-packet';
import { AnswerCache, requestCacheKey } from '../../src/dns/answer-cache.js';
import { cachedReply, handleRequest, type HandlerDeps } from '../../src/dns/handler.js';
import { ManualClock } from '../../src/lib/clock.js';
import { limits } from '../../src/lib/limits.js';
import { entry, handlerDeps } from './fixtures.js';

function query(name: string, type: string, id = 1, extra: Partial<Packet> = {}): Buffer {
  return encode({ id, type: 'query', flags: 1 << 8, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });
}

const entries = [1, 2, 3, 4, 5].map((i) => entry({ node: `n${i}`, address: `10.0.0.${i}` }));

function setup(epochStart = 5): { deps: HandlerDeps; cache: AnswerCache; clock: ManualClock; epoch: { value: number | undefined } } {
  const epoch = { value: epochStart as number | undefined };
  const base = handlerDeps(entries, { config: { ...handlerDeps([]).settings().config, udpAnswerLimit: 8 } });
  const deps: HandlerDeps = { ...base, cacheEpoch: () => epoch.value };
  return { deps, cache: new AnswerCache(), clock: base.clock as ManualClock, epoch };
}

const addresses = (reply: Buffer | undefined): string[] => (decode(reply as Buffer).answers ?? []).map((answer) => String((answer as { data?: unknown }).data)).sort();

test('a miss answers and stores; a hit has the request ID, the same records, reshuffled', async (t) => {
  const { deps, cache } = setup();
  t.is(cachedReply(deps, cache, query('web.service.consul', 'A'), 'udp'), undefined);
  const fresh = await handleRequest(deps, query('web.service.consul', 'A'), 'udp', cache);
  t.is(cache.size, 1);
  const orders = new Set<string>();
  for (let id = 100; id < 130; id++) {
    const hit = cachedReply(deps, cache, query('web.service.consul', 'A', id), 'udp');
    t.is(decode(hit as Buffer).id, id);
    t.deepEqual(addresses(hit), addresses(fresh));
    t.is(hit?.length, fresh?.length);
    orders.add((decode(hit as Buffer).answers ?? []).map((answer) => String((answer as { data?: unknown }).data)).join());
  }
  t.true(orders.size > 1, 'hits are shuffled');
});

test('the epoch moving or the age passing drops the entry; no epoch means no caching', async (t) => {
  const { deps, cache, clock, epoch } = setup();
  await handleRequest(deps, query('web.service.consul', 'A'), 'udp', cache);
  t.truthy(cachedReply(deps, cache, query('web.service.consul', 'A'), 'udp'));
  epoch.value = 6;
  t.is(cachedReply(deps, cache, query('web.service.consul', 'A'), 'udp'), undefined);
  await handleRequest(deps, query('web.service.consul', 'A'), 'udp', cache);
  clock.advance(limits.dnsAnswerCacheMaxAgeMs + 1);
  t.is(cachedReply(deps, cache, query('web.service.consul', 'A'), 'udp'), undefined);
  epoch.value = undefined;
  await handleRequest(deps, query('web.service.consul', 'A'), 'udp', cache);
  t.is(cache.size, 0);
});

test('keys: transport, EDNS0 size and name case are distinct; other additionals are not cached', (t) => {
  const plain = requestCacheKey(query('web.service.consul', 'A'), 'udp');
  t.not(plain, requestCacheKey(query('web.service.consul', 'A'), 'tcp'));
  t.not(plain, requestCacheKey(query('WEB.service.consul', 'A'), 'udp'));
  t.not(plain, requestCacheKey(query('web.service.consul', 'SRV'), 'udp'));
  const edns = (size: number): Buffer => query('web.service.consul', 'A', 1, { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: size } as never] });
  t.not(requestCacheKey(edns(1232), 'udp'), requestCacheKey(edns(4096), 'udp'));
  t.is(requestCacheKey(edns(1232), 'udp'), requestCacheKey(edns(1232), 'udp'));
  t.is(requestCacheKey(query('web.service.consul', 'A', 1, { additionals: [{ type: 'A', name: 'x', data: '1.2.3.4' }] }), 'udp'), undefined);
  t.is(requestCacheKey(Buffer.concat([query('web.service.consul', 'A'), Buffer.from([1, 2])]), 'udp'), undefined, 'trailing bytes');
});

test('trimmed replies, SERVFAIL and prepared queries are not cached', async (t) => {
  const { deps, cache } = setup();
  const small = { ...deps, settings: () => ({ ...deps.settings(), config: { ...deps.settings().config, udpAnswerLimit: 2 } }) };
  await handleRequest(small, query('web.service.consul', 'A'), 'udp', cache);
  t.is(cache.size, 0, 'trimmed to udp_answer_limit');
  await handleRequest(deps, query('q.query.consul', 'A'), 'udp', cache);
  t.is(cache.size, 0, 'prepared query (the fake catalog fails it: SERVFAIL)');
  await handleRequest(deps, query('nobody.service.consul', 'A'), 'udp', cache);
  t.is(cache.size, 1, 'NXDOMAIN is cached');
});
