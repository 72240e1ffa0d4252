// Prepared queries (Consul's state/prepared_query.go): one table keyed by ID, indexed by name
// (lower case), by session, and by template prefix. A write is an upsert or a delete of one
// query (command 7). The checks that need the table run here, inside the FSM: a name may not
// alias another query's name or any query's ID, there is at most one template with an empty
// name, the session must exist, and a template must compile. Queries bound to a session are
// deleted with it (sessions.ts calls deleteSessionQueriesTxn).
//
// Resolution by ID or name (resolvePreparedQuery) follows PreparedQueryResolve: an ID first
// (templates may not be run by ID), then an exact name, then the template with the longest name
// that prefixes the asked name, rendered for that name.

import { badRequest, conflict } from '../../lib/errors.js';
import { compileTemplate, renderTemplate, type CompiledTemplate } from '../../structs/prepared-query-template.js';
import { isTemplate, isUuid, type PreparedQuery } from '../../structs/prepared-query.js';
import type { PreparedQueryCommand } from '../commands.js';
import type { StateStore, WriteTxn } from '../store.js';
import type { IndexSpec } from '../table.js';
import { WatchSet, watchKeys } from '../watch.js';

export const preparedQueryPrimaryKey = (query: PreparedQuery): string => query.ID.toLowerCase();

export const preparedQueryIndexes: readonly IndexSpec<PreparedQuery>[] = [
  { name: 'name', keys: (query) => (query.Name === '' ? [] : [query.Name.toLowerCase()]) },
  { name: 'session', keys: (query) => (query.Session === '' ? [] : [query.Session]) },
  { name: 'template', keys: (query) => (isTemplate(query) ? [query.Name.toLowerCase()] : []) },
];

function checkAliases(store: StateStore, query: PreparedQuery, existing: PreparedQuery | undefined): void {
  const sameQuery = (other: PreparedQuery | undefined): boolean => other === undefined || (existing !== undefined && other.ID === existing.ID);
  if (query.Name !== '') {
    if (!sameQuery(store.preparedQueries.rowsBy('name', query.Name.toLowerCase())[0])) throw conflict(`name '${query.Name}' aliases an existing query name`);
  } else if (isTemplate(query)) {
    if (!sameQuery(store.preparedQueries.rowsBy('template', '')[0])) throw conflict('a query template with an empty name already exists');
  }
  if (isUuid(query.Name) && store.preparedQueries.get(query.Name.toLowerCase()) !== undefined) throw conflict(`name '${query.Name}' aliases an existing query ID`);
}

function setTxn(store: StateStore, tx: WriteTxn, query: PreparedQuery): void {
  if (query.ID === '') throw badRequest('Missing prepared query ID');
  const existing = store.preparedQueries.get(query.ID.toLowerCase());
  checkAliases(store, query, existing);
  if (query.Session !== '' && store.sessions.get(query.Session) === undefined) throw badRequest(`invalid session "${query.Session}"`);
  if (isTemplate(query)) {
    try {
      compileTemplate(query);
    } catch (error) {
      throw badRequest(`failed compiling template: ${(error as Error).message}`);
    }
  }
  tx.put(store.preparedQueries, Object.freeze({ ...query, CreateIndex: existing?.CreateIndex ?? tx.index, ModifyIndex: tx.index }));
  tx.touch(watchKeys.preparedQueries);
}

export function deletePreparedQueryTxn(store: StateStore, tx: WriteTxn, id: string): boolean {
  if (tx.remove(store.preparedQueries, id.toLowerCase()) === undefined) return false;
  tx.touch(watchKeys.preparedQueries);
  return true;
}

/** A destroyed session takes the queries bound to it along (Consul's session invalidation). */
export function deleteSessionQueriesTxn(store: StateStore, tx: WriteTxn, sessionId: string): void {
  for (const query of store.preparedQueries.rowsBy('session', sessionId)) deletePreparedQueryTxn(store, tx, query.ID);
}

export function applyPreparedQuery(store: StateStore, index: number, command: PreparedQueryCommand): boolean {
  return store.write(index, (tx) => {
    if (command.op === 'delete') return deletePreparedQueryTxn(store, tx, command.id);
    setTxn(store, tx, command.query);
    return true;
  });
}

/** A template's compiled form, built once per change of the table. */
function compiledTemplate(store: StateStore, query: PreparedQuery): CompiledTemplate {
  return store.views.get(`prepared-query-template/${query.ID}`, watchKeys.preparedQueries, new WatchSet(), () => compileTemplate(query)).value;
}

function longestTemplatePrefix(store: StateStore, name: string): PreparedQuery | undefined {
  let best: string | undefined;
  for (const prefix of store.preparedQueries.keysOf('template')) {
    if (name.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : store.preparedQueries.rowsBy('template', best)[0];
}

/**
 * The query `idOrName` names, rendered when it is a template; undefined when none does. Throws
 * when an ID names a template (they resolve by name only).
 */
export function resolvePreparedQuery(store: StateStore, idOrName: string): PreparedQuery | undefined {
  if (idOrName === '') throw badRequest('Missing prepared query ID');
  if (isUuid(idOrName)) {
    const byId = store.preparedQueries.get(idOrName.toLowerCase());
    if (byId !== undefined) {
      if (isTemplate(byId)) throw badRequest('prepared query templates can only be resolved up by name, not by ID');
      return byId;
    }
  }
  const lower = idOrName.toLowerCase();
  const query = store.preparedQueries.rowsBy('name', lower)[0] ?? longestTemplatePrefix(store, lower);
  if (query === undefined || !isTemplate(query)) return query;
  return renderTemplate(compiledTemplate(store, query), lower);
}
