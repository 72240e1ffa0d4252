// Config entries (Consul's state/config_entry.go): one table keyed by kind/name. A write either
// upserts or deletes one entry, optionally with a check-and-set on the entry's ModifyIndex
// (?cas=0 = only if absent). Before a write commits, the proposed graph is checked the way
// Consul's validateProposedConfigEntryInGraph does: a service-router or service-splitter, and
// service-intentions with L7 permissions, need an http-like protocol on their service, so neither
// they nor a protocol change that would strand one may be written.

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

/** The protocols that allow routing and splitting (Consul's IsProtocolHTTPLike). */
export function isHttpLike(protocol: string): boolean {
  return protocol === 'http' || protocol === 'http2' || protocol === 'grpc';
}

/** A service's protocol: its service-defaults, else proxy-defaults' Config.protocol, else tcp. */
export function serviceProtocol(store: StateStore, service: string): string {
  const defaults = getConfigEntry(store, 'service-defaults', service);
  if (typeof defaults?.Protocol === 'string' && defaults.Protocol !== '') return defaults.Protocol;
  const config = getConfigEntry(store, 'proxy-defaults', proxyDefaultsName)?.Config as Record<string, unknown> | undefined;
  const protocol = config?.protocol ?? config?.Protocol;
  return typeof protocol === 'string' && protocol !== '' ? protocol.toLowerCase() : 'tcp';
}

function checkRoutingGraph(store: StateStore, services: Iterable<string>): void {
  for (const service of services) {
    const routed = getConfigEntry(store, 'service-router', service) ?? getConfigEntry(store, 'service-splitter', service);
    if (routed === undefined) continue;
    const protocol = serviceProtocol(store, service);
    if (!isHttpLike(protocol)) throw conflict(`discovery chain "${service}" uses a protocol "${protocol}" that does not permit advanced routing or splitting behavior`);
  }
}

function hasL7Permissions(entry: ConfigEntry | undefined): boolean {
  const sources = Array.isArray(entry?.Sources) ? (entry.Sources as { Permissions?: unknown }[]) : [];
  return sources.some((source) => Array.isArray(source.Permissions) && source.Permissions.length > 0);
}

/** L7 intentions are only for destinations with an http-like protocol (a wildcard one: proxy-defaults'). */
function checkIntentionsGraph(store: StateStore, services: Iterable<string>): void {
  for (const service of services) {
    if (!hasL7Permissions(getConfigEntry(store, 'service-intentions', service))) continue;
    const protocol = service === '*' ? serviceProtocol(store, '') : serviceProtocol(store, service);
    if (!isHttpLike(protocol)) throw conflict(`service-intentions "${service}": L7 permissions need an http-like protocol, but the service's protocol is "${protocol}"`);
  }
}

/** The services whose routing or L7 intentions a write to this entry may affect. */
function affectedServices(store: StateStore, kind: ConfigEntryKind, name: string): Iterable<string> {
  if (kind === 'proxy-defaults') {
    const kinds = ['service-router', 'service-splitter', 'service-intentions'] as const;
    return kinds.flatMap((each) => store.configEntries.rowsBy('kind', each).map((entry) => entry.Name));
  }
  return kind === 'service-router' || kind === 'service-splitter' || kind === 'service-defaults' || kind === 'service-intentions' ? [name] : [];
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
    const affected = [...affectedServices(store, kind, name)];
    checkRoutingGraph(store, affected);
    checkIntentionsGraph(store, affected);
  });
  return true;
}
