// Session reads. Every one reports the sessions table's index, as Consul does.

import type { Session } from '../../structs/session.js';
import type { QueryResult } from '../blocking-query.js';
import type { StateStore } from '../store.js';
import { type WatchSet, watchKeys } from '../watch.js';

function sessionsIndex(store: StateStore, watch: WatchSet): number {
  watch.add(watchKeys.sessions);
  return store.maxIndex([watchKeys.sessions]);
}

export function sessionById(store: StateStore, watch: WatchSet, id: string): QueryResult<readonly Session[]> {
  const session = store.sessions.get(id);
  return { index: sessionsIndex(store, watch), value: session === undefined ? [] : [session] };
}

export function allSessions(store: StateStore, watch: WatchSet): QueryResult<readonly Session[]> {
  return { index: sessionsIndex(store, watch), value: store.sessions.rows() };
}

export function nodeSessions(store: StateStore, watch: WatchSet, node: string): QueryResult<readonly Session[]> {
  return { index: sessionsIndex(store, watch), value: store.sessions.rowsBy('node', node.toLowerCase()) };
}
