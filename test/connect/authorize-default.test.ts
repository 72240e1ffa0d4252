// Goal: the default intention decision follows Consul: with no matching intention, authorize and
// /check answer the ACL default policy ("Default behavior configured by ACLs"; allow with ACLs
// off), unless the agent sets default_intention_policy, which decides authorize instead ("Default
// intention policy"); a matching intention always wins. The per-destination index used for
// decisions answers exactly what a walk of the whole precedence-sorted list answers.
// Method: a real Server (in-process log, real FSM) with an ACL resolver whose default is deny;
// the agent config builder for the file key; a fast-check property for the index.

import test from 'ava';
import fc from 'fast-check';
import { type AclResolver, aclDisabled } from '../../src/acl/authorizer.js';
import { decidingIntention, IntentionsByDestination, intentionsOf } from '../../src/connect/intentions.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import type { QueryOptions } from '../../src/rpc/protocol.js';
import { Server } from '../../src/server/server.js';
import type { ConfigEntry } from '../../src/structs/config-entry.js';

const denyByDefault: AclResolver = { resolve: () => ({ allows: () => true }), defaultPolicy: 'deny' };

async function startServer(acl: AclResolver): Promise<Server> {
  const server = new Server({
    datacenter: 'dc1',
    self: { nodeName: 'n1', nodeId: '11111111-2222-3333-4444-555555555555', address: '127.0.0.1', serverPort: 8300 },
    clock: new ManualClock(),
    random: new SeededRandom(3),
    acl,
    connect: { enabled: true, initialConfig: {} },
    onBackgroundError: () => undefined,
  });
  await server.start();
  return server;
}

const query: QueryOptions = { datacenter: '', token: '', minQueryIndex: 0, maxQueryTimeMs: 0, allowStale: false, requireConsistent: false, maxStaleMs: 0, filter: '' };

test('no intention: ACL default deny decides authorize and check; default_intention_policy overrides authorize; an intention wins', async (t) => {
  const server = await startServer(denyByDefault);
  t.teardown(() => server.stop());
  const trustDomain = (await server.handlers['ConnectCA.Roots'](query)).value.TrustDomain;
  const client = { trustDomain, namespace: 'default', datacenter: 'dc1', service: 'web' };
  const authorize = async (defaultIntentionPolicy?: '' | 'allow' | 'deny') =>
    (await server.handlers['Intention.Authorize']({ ...query, target: 'db', client, ...(defaultIntentionPolicy === undefined ? {} : { defaultIntentionPolicy }) })).value;
  t.deepEqual(await authorize(), { Authorized: false, Reason: 'Default behavior configured by ACLs' });
  t.deepEqual(await authorize(''), { Authorized: false, Reason: 'Default behavior configured by ACLs' });
  t.deepEqual(await authorize('allow'), { Authorized: true, Reason: 'Default intention policy' });
  const check = (await server.handlers['Intention.Decide']({ ...query, source: 'web', destination: 'db' })).value;
  t.deepEqual([check.allowed, check.defaultAllow], [false, false]);
  await server.handlers['ConfigEntry.Apply']({ datacenter: '', token: '', casIndex: null, entry: { Kind: 'service-intentions', Name: 'db', Sources: [{ Name: 'web', Action: 'allow' }] } });
  const matched = await authorize('deny');
  t.true(matched.Authorized);
  t.regex(matched.Reason, /^Matched L4 intention: default\/web => default\/db/);
  t.true((await server.handlers['Intention.Decide']({ ...query, source: 'web', destination: 'db' })).value.allowed);
});

test('ACLs off: the default is allow', async (t) => {
  const server = await startServer(aclDisabled);
  t.teardown(() => server.stop());
  const trustDomain = (await server.handlers['ConnectCA.Roots'](query)).value.TrustDomain;
  const reply = await server.handlers['Intention.Authorize']({ ...query, target: 'db', client: { trustDomain, namespace: 'default', datacenter: 'dc1', service: 'web' } });
  t.deepEqual(reply.value, { Authorized: true, Reason: 'Default behavior configured by ACLs' });
});

const names = ['a', 'b', 'c', '*'];

test('property: deciding through the per-destination index equals walking the whole list', (t) => {
  const entryArb = fc.uniqueArray(
    fc.record({ destination: fc.constantFrom(...names), sources: fc.uniqueArray(fc.record({ Name: fc.constantFrom(...names), Action: fc.constantFrom('allow', 'deny') }), { selector: (s) => s.Name, maxLength: 4 }) }),
    { selector: (e) => e.destination, maxLength: 4 },
  );
  fc.assert(
    fc.property(entryArb, fc.constantFrom(...names.slice(0, 3), 'zz'), fc.constantFrom(...names.slice(0, 3), 'zz'), (entries, source, destination) => {
      const rows = entries.map((entry, i): ConfigEntry => ({ Kind: 'service-intentions', Name: entry.destination, Sources: entry.sources, CreateIndex: i + 1, ModifyIndex: i + 1 }));
      const sorted = intentionsOf(rows);
      const index = new IntentionsByDestination(sorted);
      return decidingIntention(index.matching(destination), source, destination) === decidingIntention(sorted, source, destination);
    }),
  );
  t.pass();
});
