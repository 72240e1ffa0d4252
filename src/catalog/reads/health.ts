// Health reads: service instances with their checks, and checks by node, service or status.

import { type CheckStatus, type HealthCheck } from '../../structs/check.js';
import type { QueryResult } from '../blocking-query.js';
import type { StateStore } from '../store.js';
import { type WatchSet, watchKeys } from '../watch.js';
import { instanceChecks, type ServiceInstance, serviceInstances, watchedIndex } from './catalog.js';

/** Consul's ServiceEntry, before rendering: an instance, its node and every check that bears on it. */
export interface ServiceHealth extends ServiceInstance {
  readonly checks: readonly HealthCheck[];
}

export function serviceHealth(store: StateStore, watch: WatchSet, name: string, connect: boolean): QueryResult<readonly ServiceHealth[]> {
  const { index, value } = serviceInstances(store, watch, name, connect);
  return { index, value: value.map((instance) => ({ ...instance, checks: instanceChecks(store, instance.node.Node, instance.service.ID) })) };
}

export function nodeChecks(store: StateStore, watch: WatchSet, nodeName: string): QueryResult<readonly HealthCheck[]> {
  return { index: watchedIndex(store, watch, watchKeys.node(nodeName)), value: store.checks.rowsBy('node', nodeName.toLowerCase()) };
}

export function serviceChecks(store: StateStore, watch: WatchSet, serviceName: string): QueryResult<readonly HealthCheck[]> {
  return { index: watchedIndex(store, watch, watchKeys.service(serviceName)), value: store.checks.rowsBy('service', serviceName.toLowerCase()) };
}

/** Checks in one state, or every check for "any". */
export function checksInState(store: StateStore, watch: WatchSet, state: CheckStatus | 'any'): QueryResult<readonly HealthCheck[]> {
  const index = watchedIndex(store, watch, watchKeys.checks);
  return { index, value: state === 'any' ? store.checks.rows() : store.checks.rowsBy('status', state) };
}
