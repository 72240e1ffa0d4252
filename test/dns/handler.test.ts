// Goal: handleRequest turns any bytes into a well-formed reply or nothing, never an exception:
// header checks (responses dropped, non-QUERY → NOTIMP, several questions → FORMERR, oversized →
// FORMERR), names outside the domain → REFUSED without recursors, unknown classes → NOTIMP,
// UDP 512-byte and udp_answer_limit trimming with TC under enable_truncate, EDNS0 raising the
// limit and being echoed, TCP answers complete. Method: encode requests with dns-packet, run them
// through the handler over a fake catalog, decode the replies; fast-check feeds random bytes and
// mutated valid packets and checks each reply is undefined or a decodable response with the same id.

import test from 'ava';
import fc from 'fast-check';
import { decode, encode, type Packet } from 'dns-packet';
import { handleRequest } from '../../src/dns/handler.js';
import { entry, handlerDeps, defaultDnsConfig } from './fixtures.js';

const many = Array.from({ length: 40 }, (_, i) => entry({ node: `node-with-a-long-name-${i}`, address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, meta: { rack: `r${i}` } }));
const deps = handlerDeps(many);

function query(name: string, type: string, extra: Partial<Packet> = {}): Buffer {
  return encode({ id: 4242, type: 'query', flags: 1 << 8, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });
}

async function ask(request: Buffer, transport: 'udp' | 'tcp' = 'udp', d = deps): Promise<Packet & { rcode?: string; flag_tc?: boolean; flag_aa?: boolean }> {
  const reply = await handleRequest(d, request, transport);
  if (reply === undefined) throw new Error('no reply');
  return decode(reply);
}

test('responses and short packets are dropped', async (t) => {
  const response = encode({ id: 1, type: 'response', questions: [{ name: 'web.service.consul', type: 'A' }] });
  t.is(await handleRequest(deps, response, 'udp'), undefined);
  t.is(await handleRequest(deps, Buffer.alloc(5), 'udp'), undefined);
});

test('several questions → FORMERR; other opcodes → NOTIMP; oversized → FORMERR', async (t) => {
  const two = encode({ id: 9, type: 'query', questions: [{ name: 'a.service.consul', type: 'A' }, { name: 'b.service.consul', type: 'A' }] });
  t.is((await ask(two)).rcode, 'FORMERR');
  const notify = Buffer.from(query('web.service.consul', 'A'));
  notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2);
  t.is((await ask(notify)).rcode, 'NOTIMP');
  const big = Buffer.concat([query('web.service.consul', 'A'), Buffer.alloc(5000)]);
  const reply = await ask(big);
  t.is(reply.rcode, 'FORMERR');
  t.is(reply.id, 4242);
});

test('garbage after a valid header → FORMERR with the request id', async (t) => {
  const request = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]);
  const reply = await ask(request);
  t.is(reply.rcode, 'FORMERR');
  t.is(reply.id, 0x1234);
});

test('names outside the domain are REFUSED without recursors; CH class is NOTIMP', async (t) => {
  const refused = await ask(query('example.com', 'A'));
  t.is(refused.rcode, 'REFUSED');
  const chaos = encode({ id: 5, type: 'query', questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
  t.is((await ask(chaos)).rcode, 'NOTIMP');
});

test('unknown types in the domain are an empty NOERROR with the SOA', async (t) => {
  const reply = await ask(query('web.service.consul', 'MX'));
  t.is(reply.rcode, 'NOERROR');
  t.is(reply.answers?.length, 0);
  t.is(reply.authorities?.[0]?.type, 'SOA');
  t.true(reply.flag_aa);
});

test('UDP without EDNS0: at most udp_answer_limit answers, within 512 bytes, TC only with enable_truncate', async (t) => {
  const request = query('web.service.consul', 'SRV');
  const raw = await handleRequest(deps, request, 'udp');
  t.true(raw !== undefined && raw.length <= 512);
  const reply = await ask(request);
  t.true((reply.answers?.length ?? 0) <= defaultDnsConfig.udpAnswerLimit);
  t.false(reply.flag_tc);
  for (const extra of reply.additionals ?? []) {
    t.true(reply.answers?.some((a) => a.type === 'SRV' && a.data.target === extra.name), 'additionals belong to kept answers');
  }
  const truncating = handlerDeps(many, { config: { ...defaultDnsConfig, enableTruncate: true } });
  t.true((await ask(request, 'udp', truncating)).flag_tc);
});

test('EDNS0 raises the UDP limit and is echoed; TCP gets every answer', async (t) => {
  const edns = query('web.service.consul', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] });
  const raw = await handleRequest(deps, edns, 'udp');
  t.true(raw !== undefined && raw.length > 512 && raw.length <= 4096);
  const reply = await ask(edns);
  t.is(reply.answers?.length, 40);
  t.is(reply.additionals?.at(-1)?.type, 'OPT');
  const tcp = await ask(query('web.service.consul', 'SRV'), 'tcp');
  t.is(tcp.answers?.length, 40);
  t.false(tcp.flag_tc);
});

test('fuzz: random bytes never throw and get no reply or a response with their id', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 600, size: 'max' }), async (bytes) => {
      const request = Buffer.from(bytes);
      const reply = await handleRequest(deps, request, 'udp');
      if (reply === undefined) return;
      const decoded = decode(reply);
      t.is(decoded.id, request.readUInt16BE(0));
      t.is(decoded.type, 'response');
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('fuzz: a valid query header over random bytes reaches the decoder and never throws', async (t) => {
  let decoded = 0;
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300, size: 'max' }), fc.boolean(), async (body, withOpt) => {
      const header = Buffer.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, withOpt ? 1 : 0]);
      const reply = await handleRequest(deps, Buffer.concat([header, Buffer.from(body)]), 'udp');
      if (reply === undefined) return;
      t.is(decode(reply).id, 0xabcd);
      decoded++;
    }),
    { numRuns: 2000 },
  );
  t.true(decoded > 0);
});

test('fuzz: mutated valid queries never throw', async (t) => {
  const seeds = [
    query('web.service.consul', 'SRV'),
    query('_web._tcp.service.dc1.consul', 'SRV', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as never] }),
    query('node-with-a-long-name-1.node.consul', 'TXT'),
    query('7f000001.addr.consul', 'A'),
  ];
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    cut: fc.nat(),
    transport: fc.constantFrom<'udp' | 'tcp'>('udp', 'tcp'),
  });
  await fc.assert(
    fc.asyncProperty(mutation, async ({ seed, edits, cut, transport }) => {
      const request = Buffer.from(seeds[seed]!);
      for (const [at, value] of edits) request[at % request.length] = value;
      const sliced = request.subarray(0, Math.max(0, request.length - (cut % 6)));
      const reply = await handleRequest(deps, sliced, transport);
      if (reply === undefined) return;
      const decoded = decode(reply);
      t.is(decoded.type, 'response');
      if (transport === 'udp') t.true(reply.length <= 4096);
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('compression pointer loops are FORMERR, not a hang', async (t) => {
  // The question name is a pointer to itself (offset 12).
  const loop = Buffer.from([0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  t.is((await ask(loop)).rcode, 'FORMERR');
  // Two pointers pointing at each other through a label.
  const mutual = Buffer.from([0, 8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0xc0, 14, 0, 1, 0, 1]);
  t.is((await ask(mutual)).rcode, 'FORMERR');
});
