// The two hot answers, /v1/health/service/:name and /v1/catalog/service/:name, as frozen views
// (src/catalog/views.ts): built once per change of the service's watch key, shared by every
// reader until the next change, and serialised from cached fragments.

import type { QueryResult } from '../catalog/blocking-query.js';
import { serviceInstances } from '../catalog/reads/catalog.js';
import { serviceHealth } from '../catalog/reads/health.js';
import type { StateStore } from '../catalog/store.js';
import { WatchSet, watchKeys } from '../catalog/watch.js';
import type { CatalogService, ServiceEntry } from '../rpc/protocol.js';
import { allChecksPassing, catalogService, serviceEntry } from './render.js';

function keyOf(name: string, connect: boolean): string {
  return connect ? watchKeys.connect(name) : watchKeys.service(name);
}

export function serviceEntriesView(store: StateStore, watch: WatchSet, name: string, connect: boolean): QueryResult<readonly ServiceEntry[]> {
  const key = keyOf(name, connect);
  return store.views.get(`health/${key}`, key, watch, () =>
    Object.freeze(
      serviceHealth(store, new WatchSet(), name, connect).value.map((health) => {
        const entry = serviceEntry(health);
        return Object.freeze({ ...entry, Checks: Object.freeze([...entry.Checks]) });
      }),
    ),
  );
}

/** The instances of a service whose every check passes (?passing), the most common health query. */
export function passingEntriesView(store: StateStore, watch: WatchSet, name: string, connect: boolean): QueryResult<readonly ServiceEntry[]> {
  const key = keyOf(name, connect);
  return store.views.get(`health-passing/${key}`, key, watch, () =>
    Object.freeze(serviceEntriesView(store, new WatchSet(), name, connect).value.filter(allChecksPassing)),
  );
}

export function catalogServicesView(store: StateStore, watch: WatchSet, name: string, connect: boolean): QueryResult<readonly CatalogService[]> {
  const key = keyOf(name, connect);
  return store.views.get(`catalog/${key}`, key, watch, () =>
    Object.freeze(serviceInstances(store, new WatchSet(), name, connect).value.map((instance) => Object.freeze(catalogService(instance)))),
  );
}
