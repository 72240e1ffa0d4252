// Config entry reads for blocking queries. A single entry blocks on its own key (so writes to
// other entries do not wake it) and reports the kind's index, as Consul's ConfigEntry.Get does;
// lists block on the kind (or every kind). The flattened intentions are kept per intentions
// index, so /v1/agent/connect/authorize does not re-sort them on every request.

import type { ConfigEntry, ConfigEntryKind } from '../../structs/config-entry.js';
import { type Intention, IntentionsByDestination, intentionsOf } from '../../connect/intentions.js';
import type { QueryResult } from '../blocking-query.js';
import type { StateStore } from '../store.js';
import { getConfigEntry } from '../tables/config-entries.js';
import { type WatchSet, watchKeys } from '../watch.js';

export function configEntryRead(store: StateStore, watch: WatchSet, kind: ConfigEntryKind, name: string): QueryResult<ConfigEntry | undefined> {
  watch.add(watchKeys.configEntry(kind, name));
  return { index: store.maxIndex([watchKeys.configEntryKind(kind)]), value: getConfigEntry(store, kind, name) };
}

export function configEntryList(store: StateStore, watch: WatchSet, kind: ConfigEntryKind | undefined): QueryResult<readonly ConfigEntry[]> {
  if (kind === undefined) {
    watch.add(watchKeys.configEntries);
    return { index: store.maxIndex([watchKeys.configEntries]), value: store.configEntries.rows() };
  }
  watch.add(watchKeys.configEntryKind(kind));
  return { index: store.maxIndex([watchKeys.configEntryKind(kind)]), value: store.configEntries.rowsBy('kind', kind) };
}

/** Every intention in precedence order, built once per intentions write (a store view). */
export function intentionsRead(store: StateStore, watch: WatchSet): QueryResult<readonly Intention[]> {
  return store.views.get('intentions', watchKeys.configEntryKind('service-intentions'), watch, () =>
    Object.freeze(intentionsOf(store.configEntries.rowsBy('kind', 'service-intentions'))),
  );
}

/** The same intentions grouped by destination, for decisions (authorize, check). */
export function intentionsByDestinationRead(store: StateStore, watch: WatchSet): QueryResult<IntentionsByDestination> {
  return store.views.get('intentions-by-destination', watchKeys.configEntryKind('service-intentions'), watch, () => {
    const { value } = intentionsRead(store, watch);
    return new IntentionsByDestination(value);
  });
}
