// Goal: intention precedence and matching follow Consul's documented order: exact source and
// destination (9) > wildcard source, exact destination (8) > exact source, wildcard destination
// (6) > both wildcards (5); ties sort by the name tuple; the first matching intention decides a
// connection, L7 ones defer to the request, and with none the default (ACL policy) applies.
// Method: table tests over hand-written cases, then fast-check properties comparing
// decideConnection with a brute-force oracle over random intention sets (duplicate pairs are
// impossible, as the store forbids them), and checking that sorting ignores input order.

import test from 'ava';
import fc from 'fast-check';
import { permissionDecision } from '../../src/connect/intention-permissions.js';
import {
  compareIntentions,
  decideConnection,
  describeIntention,
  type Intention,
  intentionPrecedence,
  intentionsOf,
  matchIntentions,
} from '../../src/connect/intentions.js';
import type { ConfigEntry } from '../../src/structs/config-entry.js';

function entry(destination: string, sources: Record<string, unknown>[]): ConfigEntry {
  return { Kind: 'service-intentions', Name: destination, Sources: sources, CreateIndex: 1, ModifyIndex: 1 };
}

function intentions(rules: readonly (readonly [string, string, 'allow' | 'deny'])[]): Intention[] {
  const byDestination = new Map<string, Record<string, unknown>[]>();
  for (const [source, destination, action] of rules) {
    const list = byDestination.get(destination) ?? [];
    list.push({ Name: source, Action: action });
    byDestination.set(destination, list);
  }
  return intentionsOf([...byDestination].map(([destination, sources]) => entry(destination, sources)));
}

const precedenceTable = [
  { source: 'web', destination: 'db', precedence: 9 },
  { source: '*', destination: 'db', precedence: 8 },
  { source: 'web', destination: '*', precedence: 6 },
  { source: '*', destination: '*', precedence: 5 },
] as const;

for (const row of precedenceTable) {
  test(`precedence ${row.source} → ${row.destination} is ${row.precedence}`, (t) => {
    t.is(intentionPrecedence(row.source, row.destination), row.precedence);
  });
}

const decisionTable = [
  { name: 'exact deny beats wildcard-source allow', rules: [['web', 'db', 'deny'], ['*', 'db', 'allow']], source: 'web', destination: 'db', expect: false },
  { name: 'wildcard-source allow applies to others', rules: [['web', 'db', 'deny'], ['*', 'db', 'allow']], source: 'api', destination: 'db', expect: true },
  { name: 'exact destination beats exact source with wildcard destination', rules: [['web', '*', 'deny'], ['*', 'db', 'allow']], source: 'web', destination: 'db', expect: true },
  { name: 'source-exact wildcard destination beats full wildcard', rules: [['web', '*', 'allow'], ['*', '*', 'deny']], source: 'web', destination: 'x', expect: true },
  { name: 'full wildcard deny applies when nothing else matches', rules: [['web', '*', 'allow'], ['*', '*', 'deny']], source: 'api', destination: 'x', expect: false },
  { name: 'no intention: default allow', rules: [['web', 'db', 'deny']], source: 'api', destination: 'cache', expect: true },
] as const;

for (const row of decisionTable) {
  test(`decision: ${row.name}`, (t) => {
    const decision = decideConnection(intentions(row.rules), row.source, row.destination, true);
    t.is(decision.kind === 'l7' ? false : decision.allowed, row.expect);
  });
}

test('default decision follows the given default (ACL default policy deny)', (t) => {
  t.deepEqual(decideConnection([], 'a', 'b', false), { kind: 'default', allowed: false });
});

test('an L7 source decides as l7, and its permissions match requests in order', (t) => {
  const list = intentionsOf([
    entry('db', [
      {
        Name: 'web',
        Permissions: [
          { Action: 'deny', HTTP: { PathPrefix: '/admin' } },
          { Action: 'allow', HTTP: { PathRegex: '/api/v[0-9]+/.*', Methods: ['GET'], Header: [{ Name: 'X-Env', Exact: 'prod' }] } },
        ],
      },
    ]),
  ]);
  const decision = decideConnection(list, 'web', 'db', true);
  t.is(decision.kind, 'l7');
  if (decision.kind !== 'l7') return;
  const permissions = decision.intention.Permissions;
  t.is(permissionDecision(permissions, { path: '/admin/x', method: 'GET', headers: {} }), 'deny');
  t.is(permissionDecision(permissions, { path: '/api/v2/users', method: 'GET', headers: { 'x-env': 'prod' } }), 'allow');
  t.is(permissionDecision(permissions, { path: '/api/v2/users', method: 'POST', headers: { 'x-env': 'prod' } }), undefined);
  t.is(permissionDecision(permissions, { path: '/api/v2/users', method: 'GET', headers: { 'x-env': 'dev' } }), undefined);
  t.regex(describeIntention(decision.intention), /^default\/web => default\/db \(Precedence: 9, Permissions: 2\)$/);
});

test('match by destination and by source keep precedence order and include wildcards', (t) => {
  const list = intentions([['web', 'db', 'allow'], ['*', 'db', 'deny'], ['web', '*', 'deny'], ['api', 'cache', 'allow']]);
  t.deepEqual(matchIntentions(list, 'destination', 'db').map((i) => `${i.SourceName}>${i.DestinationName}`), ['web>db', '*>db', 'web>*']);
  t.deepEqual(matchIntentions(list, 'source', 'web').map((i) => `${i.SourceName}>${i.DestinationName}`), ['web>db', '*>db', 'web>*']);
});

// ---- properties --------------------------------------------------------------------------------

const names = ['a', 'b', 'c', '*'] as const;
const ruleArbitrary = fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names), fc.constantFrom('allow' as const, 'deny' as const));
const rulesArbitrary = fc.uniqueArray(ruleArbitrary, { selector: ([s, d]) => `${s}>${d}`, maxLength: 16 });

/** Oracle: among matching rules, the highest precedence wins; at equal precedence the smallest tuple. */
function oracle(rules: readonly (readonly [string, string, string])[], source: string, destination: string): string | undefined {
  const matching = rules.filter(([s, d]) => (s === source || s === '*') && (d === destination || d === '*'));
  matching.sort((x, y) => intentionPrecedence(y[0], y[1]) - intentionPrecedence(x[0], x[1]) || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  return matching[0]?.[2];
}

test('property: the deciding intention is the oracle’s, and an exact pair always decides', (t) => {
  fc.assert(
    fc.property(rulesArbitrary, fc.constantFrom('a', 'b', 'c'), fc.constantFrom('a', 'b', 'c'), (rules, source, destination) => {
      const decision = decideConnection(intentions(rules), source, destination, true);
      const expected = oracle(rules, source, destination);
      if (expected === undefined) return decision.kind === 'default';
      if (decision.kind !== 'l4') return false;
      const exact = rules.find(([s, d]) => s === source && d === destination);
      if (exact !== undefined && (decision.intention.SourceName !== source || decision.intention.DestinationName !== destination)) return false;
      return decision.allowed === (expected === 'allow');
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('property: sorting is total and ignores input order; precedence never increases down the list', (t) => {
  fc.assert(
    fc.property(rulesArbitrary, (rules) => {
      const sorted = intentions(rules);
      const reversed = intentions([...rules].reverse());
      const key = (list: Intention[]): string => list.map((i) => `${i.SourceName}>${i.DestinationName}`).join(',');
      if (key(sorted) !== key(reversed)) return false;
      return sorted.every((item, i) => i === 0 || compareIntentions(sorted[i - 1] as Intention, item) < 0);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: an exact destination always outranks a wildcard destination', (t) => {
  fc.assert(
    fc.property(fc.constantFrom('a', '*'), fc.constantFrom('a', '*'), (sourceExact, sourceWild) => intentionPrecedence(sourceExact, 'db') > intentionPrecedence(sourceWild, '*')),
  );
  t.pass();
});
