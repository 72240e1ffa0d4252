// Config entries (Consul's state/config_entry.go): one table keyed by kind/name. A write either
// upserts or deletes one entry, optionally with a check-and-set on the entry's ModifyIndex
// (?cas=0 = only if absent). Before a write commits, the proposed graph is checked the way
// Consul's validateProposedConfigEntryInGraph does for routing: a service-router or
// service-splitter needs an L7 protocol on its service, so neither the router/splitter nor a
// protocol change that would strand one may be written.

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

/** The services whose routing a write to this entry may affect. */
function affectedServices(store: StateStore, kind: ConfigEntryKind, name: string): Iterable<string> {
  if (kind === 'proxy-defaults') {
    return [...store.configEntries.rowsBy('kind', 'service-router'), ...store.configEntries.rowsBy('kind', 'service-splitter')].map((entry) => entry.Name);
  }
  return kind === 'service-router' || kind === 'service-splitter' || kind === 'service-defaults' ? [name] : [];
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
    checkRoutingGraph(store, affectedServices(store, kind, name));
  });
  return true;
}
