// Goal: the prepared-queries table keeps Consul's integrity rules (no name aliasing another
// query's name or ID, one empty-name template, an existing session, compilable templates),
// deletes a session's queries with the session, and resolves IDs, names and template prefixes
// (longest wins, rendered for the name asked; templates never by ID).
// Method: commands through a real Fsm (test/catalog/fixtures.ts Harness) and the wire encoding.

import test from 'ava';
import { CommandType, decodeCommand, encodeCommand, type PreparedQueryCommand } from '../../src/catalog/commands.js';
import { resolvePreparedQuery } from '../../src/catalog/tables/prepared-queries.js';
import { watchKeys } from '../../src/catalog/watch.js';
import { decodePreparedQuery, type PreparedQuery } from '../../src/structs/prepared-query.js';
import { Harness, register } from './fixtures.js';
import { createSession, destroySession, session } from './kv-fixtures.js';

const id1 = '11111111-1111-4111-8111-111111111111';
const id2 = '22222222-2222-4222-8222-222222222222';
const id3 = '33333333-3333-4333-8333-333333333333';

function query(id: string, body: Record<string, unknown>): PreparedQuery {
  return { ...decodePreparedQuery({ Service: { Service: 'web' }, ...body }), ID: id };
}

const set = (value: PreparedQuery): PreparedQueryCommand => ({ type: CommandType.PreparedQuery, op: 'set', query: value });
const remove = (id: string): PreparedQueryCommand => ({ type: CommandType.PreparedQuery, op: 'delete', id });

test('the command survives the wire encoding', (t) => {
  const command = set(query(id1, { Name: 'q', Service: { Service: 'web', Tags: ['a', '!b'], NodeMeta: { rack: 'r1' } }, DNS: { TTL: '5s' } }));
  t.deepEqual(decodeCommand(encodeCommand(command)), { kind: 'command', command });
});

test('set keeps CreateIndex, moves ModifyIndex and wakes the table key; delete is idempotent', (t) => {
  const h = new Harness();
  const wakes = h.wakes(watchKeys.preparedQueries);
  h.ok(set(query(id1, { Name: 'q' })));
  h.ok(set(query(id1, { Name: 'q2' })));
  t.like(h.store.preparedQueries.get(id1), { Name: 'q2', CreateIndex: 1, ModifyIndex: 2 });
  t.is(resolvePreparedQuery(h.store, 'q'), undefined, 'the old name no longer resolves');
  t.is(resolvePreparedQuery(h.store, 'Q2')?.ID, id1, 'names match case-insensitively');
  h.ok(remove(id1));
  h.ok(remove(id1));
  t.is(h.store.preparedQueries.size, 0);
  t.is(wakes.count, 3);
});

test('names may not alias another query name or ID; one empty-name template at most', (t) => {
  const h = new Harness();
  h.ok(set(query(id1, { Name: 'q' })));
  t.like(h.fail(set(query(id2, { Name: 'Q' }))), { code: 'conflict', message: "name 'Q' aliases an existing query name" });
  t.like(h.fail(set(query(id2, { Name: id1 }))), { message: `name '${id1}' aliases an existing query ID` });
  h.ok(set(query(id2, { Name: '', Template: { Type: 'name_prefix_match' } })));
  t.like(h.fail(set(query(id3, { Name: '', Template: { Type: 'name_prefix_match' } }))), { message: 'a query template with an empty name already exists' });
});

test('a bad template or a missing session is refused inside the FSM', (t) => {
  const h = new Harness();
  t.like(h.fail(set(query(id1, { Name: 't', Template: { Type: 'nope' } }))), { code: 'bad_request', message: "failed compiling template: Bad Template.Type 'nope'" });
  t.is(h.fail(set(query(id1, { Name: 't', Template: { Type: 'name_prefix_match', Regexp: '(' } }))).message, 'failed compiling template: Bad Regexp: error parsing regexp: missing closing ): `(`');
  t.regex(h.fail(set(query(id1, { Name: 't', Template: { Type: 'name_prefix_match' }, Service: { Service: '${nope}' } }))).message, /Bad format '\$\{nope\}' in Service\.Service/);
  t.like(h.fail(set(query(id1, { Session: 'missing' }))), { message: 'invalid session "missing"' });
  t.is(h.store.preparedQueries.size, 0);
});

test("destroying a session deletes the queries bound to it", (t) => {
  const h = new Harness();
  h.ok(register('n1'));
  h.ok(createSession(session('s1', 'n1', { NodeChecks: [] })));
  h.ok(set(query(id1, { Session: 's1' })));
  h.ok(set(query(id2, { Name: 'kept' })));
  h.ok(destroySession('s1'));
  t.deepEqual(h.store.preparedQueries.rows().map((row) => row.ID), [id2]);
});

test('resolve: ID, exact name, then the longest template prefix, rendered for the name', (t) => {
  const h = new Harness();
  h.ok(set(query(id1, { Name: 'geo-db' })));
  h.ok(set(query(id2, { Name: 'geo-', Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.suffix}' } })));
  h.ok(set(query(id3, { Name: 'geo-db-', Template: { Type: 'name_prefix_match', Regexp: '^geo-db-(.*?)-([^\\-]+?)$' }, Service: { Service: 'db-${match(1)}', Tags: ['${match(2)}'] } })));
  t.is(resolvePreparedQuery(h.store, id1)?.Name, 'geo-db');
  t.is(resolvePreparedQuery(h.store, 'geo-db')?.ID, id1, 'an exact name beats a template prefix');
  t.deepEqual(resolvePreparedQuery(h.store, 'geo-web')?.Service.Service, 'web');
  const rendered = resolvePreparedQuery(h.store, 'geo-db-west-primary');
  t.is(rendered?.ID, id3, 'the longest prefix wins');
  t.is(rendered?.Service.Service, 'db-west');
  t.deepEqual(rendered?.Service.Tags, ['primary']);
  t.is(h.store.preparedQueries.get(id3)?.Service.Service, 'db-${match(1)}', 'the stored template is untouched');
  t.is(resolvePreparedQuery(h.store, 'other'), undefined);
  t.throws(() => resolvePreparedQuery(h.store, id2), { message: 'prepared query templates can only be resolved up by name, not by ID' });
});
