// Config entries (Consul's state/config_entry.go): one table keyed by kind/name. A write either
// upserts or deletes one entry, optionally with a check-and-set on the entry's ModifyIndex
// (?cas=0 = only if absent). Before a write commits, the proposed graph is checked the way
// Consul's validateProposedConfigEntryInGraph does: every discovery chain the write may change
// (the entry's own service and every chain whose routers, splitters or resolvers reach it) is
// compiled against the new state, so a router or splitter on a tcp service, a protocol change that
// would strand one, mixed protocols, a missing subset or a routing cycle refuse the write with the
// compiler's message; service-intentions with L7 permissions need an http-like protocol.

import { compileDiscoveryChain, isHttpLikeProtocol } from '../../connect/discovery-chain.js';
import { conflict } from '../../lib/errors.js';
import { type ConfigEntry, type ConfigEntryKind, configEntryKey, proxyDefaultsName } from '../../structs/config-entry.js';
import type { ConfigEntryCommand } from '../commands.js';
import type { StateStore, WriteTxn } from '../store.js';
import { watchKeys } from '../watch.js';

export const configEntryPrimaryKey = (entry: ConfigEntry): string => configEntryKey(entry.Kind, entry.Name);
export const configEntryIndexes = [{ name: 'kind', keys: (entry: ConfigEntry): readonly string[] => [entry.Kind] }];

export function getConfigEntry(store: StateStore, kind: ConfigEntryKind, name: string): ConfigEntry | undefined {
  return store.configEntries.get(configEntryKey(kind, name));
}

/** A service's protocol: its service-defaults, else proxy-defaults' Config.protocol, else tcp. */
export function serviceProtocol(store: StateStore, service: string): string {
  const defaults = getConfigEntry(store, 'service-defaults', service);
  if (typeof defaults?.Protocol === 'string' && defaults.Protocol !== '') return defaults.Protocol.toLowerCase();
  const config = getConfigEntry(store, 'proxy-defaults', proxyDefaultsName)?.Config as Record<string, unknown> | undefined;
  const protocol = config?.protocol ?? config?.Protocol;
  return typeof protocol === 'string' && protocol !== '' ? protocol.toLowerCase() : 'tcp';
}

const chainKinds = ['service-router', 'service-splitter', 'service-resolver'] as const;

/** The services a router, splitter or resolver sends to (Consul's ListRelatedServices). */
function relatedServices(entry: ConfigEntry): string[] {
  const named = (value: unknown): string => (typeof (value as { Service?: unknown } | undefined)?.Service === 'string' ? (value as { Service: string }).Service : '');
  const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const out = [...items(entry.Routes).map((route) => named((route as { Destination?: unknown }).Destination)), ...items(entry.Splits).map(named), named(entry.Redirect)];
  for (const rule of Object.values((entry.Failover ?? {}) as Record<string, unknown>)) out.push(named(rule), ...items((rule as { Targets?: unknown }).Targets).map(named));
  return out.filter((service) => service !== '' && service !== entry.Name);
}

/** The chains a write to kind/name may change: its own, and every chain that reaches it. */
function affectedChains(store: StateStore, kind: ConfigEntryKind, name: string): Set<string> {
  const chainEntries = chainKinds.flatMap((each) => store.configEntries.rowsBy('kind', each));
  if (kind === 'proxy-defaults') return new Set([...chainEntries, ...store.configEntries.rowsBy('kind', 'service-defaults')].map((entry) => entry.Name));
  if (kind !== 'service-defaults' && !(chainKinds as readonly string[]).includes(kind)) return new Set();
  const affected = new Set([name]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of chainEntries) {
      if (affected.has(entry.Name) || !relatedServices(entry).some((service) => affected.has(service))) continue;
      affected.add(entry.Name);
      grew = true;
    }
  }
  return affected;
}

/** Compiles each affected chain against the state the write lands on; a graph error refuses it. */
function checkChains(store: StateStore, services: Iterable<string>): void {
  for (const service of services) {
    compileDiscoveryChain({ serviceName: service, datacenter: 'dc1', trustDomain: 'consul', entry: (kind, name) => getConfigEntry(store, kind, name) });
  }
}

function hasL7Permissions(entry: ConfigEntry | undefined): boolean {
  const sources = Array.isArray(entry?.Sources) ? (entry.Sources as { Permissions?: unknown }[]) : [];
  return sources.some((source) => Array.isArray(source.Permissions) && source.Permissions.length > 0);
}

/** L7 intentions need an http-like destination (a wildcard destination is not checked, as in Consul). */
function checkIntentionsGraph(store: StateStore, kind: ConfigEntryKind, name: string): void {
  const destinations = kind === 'proxy-defaults' ? store.configEntries.rowsBy('kind', 'service-intentions').map((entry) => entry.Name) : [name];
  for (const service of destinations) {
    if (service === '*' || !hasL7Permissions(getConfigEntry(store, 'service-intentions', service))) continue;
    const protocol = serviceProtocol(store, service);
    if (!isHttpLikeProtocol(protocol)) throw conflict(`service "${service}" has protocol "${protocol}", which is incompatible with L7 intentions permissions`);
  }
}

function touch(tx: WriteTxn, kind: string, name: string): void {
  tx.touch(watchKeys.configEntries);
  tx.touch(watchKeys.configEntryKind(kind));
  tx.touch(watchKeys.configEntry(kind, name));
}

/** Applies a config entry command; answers false when its check-and-set did not hold. */
export function applyConfigEntry(store: StateStore, index: number, command: ConfigEntryCommand): boolean {
  const kind = command.op === 'upsert' ? command.entry.Kind : command.kind;
  const name = command.op === 'upsert' ? command.entry.Name : command.name;
  const existing = getConfigEntry(store, kind, name);
  if (command.casIndex !== null) {
    const holds = command.op === 'upsert' ? (existing?.ModifyIndex ?? 0) === command.casIndex : existing !== undefined && existing.ModifyIndex === command.casIndex;
    if (!holds) {
      store.write(index, () => undefined);
      return false;
    }
  }
  store.write(index, (tx) => {
    if (command.op === 'upsert') {
      tx.put(store.configEntries, Object.freeze({ ...command.entry, CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index }));
    } else if (existing !== undefined) {
      tx.remove(store.configEntries, configEntryKey(kind, name));
    }
    if (command.op === 'upsert' || existing !== undefined) touch(tx, kind, name);
    checkChains(store, affectedChains(store, kind, name));
    checkIntentionsGraph(store, kind, name);
  });
  return true;
}
