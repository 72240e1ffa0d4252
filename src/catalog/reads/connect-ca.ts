// Connect CA reads. Both report their table's index, as Consul's CARoots and CAConfig do.

import type { CaConfiguration, CaRoot } from '../../structs/connect-ca.js';
import type { QueryResult } from '../blocking-query.js';
import type { StateStore } from '../store.js';
import { caConfigPrimaryKey } from '../tables/connect-ca.js';
import { type WatchSet, watchKeys } from '../watch.js';

export interface CaRootsState {
  readonly roots: readonly CaRoot[];
  readonly config: CaConfiguration | undefined;
}

/** The trusted roots (and the configuration, for the trust domain), blocking on the roots. */
export function caRoots(store: StateStore, watch: WatchSet): QueryResult<CaRootsState> {
  watch.add(watchKeys.caRoots);
  return { index: store.maxIndex([watchKeys.caRoots]), value: { roots: store.caRoots.rows(), config: store.caConfig.get(caConfigPrimaryKey()) } };
}

export function caConfiguration(store: StateStore, watch: WatchSet): QueryResult<CaConfiguration | undefined> {
  watch.add(watchKeys.caConfig);
  return { index: store.maxIndex([watchKeys.caConfig]), value: store.caConfig.get(caConfigPrimaryKey()) };
}
