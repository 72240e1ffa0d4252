// Watches: how blocking queries learn that what they read has changed.
//
// Every read names the watch keys it depends on (a table such as "services", or a narrower key
// such as "service:web" or "node:n1"); every write transaction touches the keys of what it changed.
// At commit the store records the commit's index against each touched key (so a read's result
// index is the largest index among its keys) and then wakes the watchers of those keys, each
// watcher once per commit. Narrow keys are what keep one service's churn from waking the watchers
// of every other service (hashicorp/consul#1244).

import { assert, AssertionError } from '../lib/assert.js';
import { limits } from '../lib/limits.js';

/** Watch keys of the catalog tables; helpers keep their spelling in one place. */
export const watchKeys = {
  nodes: 'nodes',
  services: 'services',
  checks: 'checks',
  node: (name: string) => `node:${name.toLowerCase()}`,
  service: (name: string) => `service:${name.toLowerCase()}`,
  /** Mesh-capable instances for a destination: its sidecar proxies and native instances. */
  connect: (destination: string) => `connect:${destination.toLowerCase()}`,
  /** The KV table as a whole (any key written or deleted). */
  kvs: 'kvs',
  tombstones: 'tombstones',
  sessions: 'sessions',
  /** The Connect CA's trusted roots (any change to the set or to the active one). */
  caRoots: 'connect-ca-roots',
  /** The Connect CA's configuration. */
  caConfig: 'connect-ca-config',
  autopilot: 'autopilot-config',
  /** Any config entry; one kind's entries; one entry. */
  configEntries: 'config-entries',
  configEntryKind: (kind: string) => `config-entries:${kind}`,
  configEntry: (kind: string, name: string) => `config-entry:${kind}/${name}`,
  /** One KV key, exactly (keys are case-sensitive). Wakes only; the index comes from the entry. */
  kvKey: (key: string) => `kv:${key}`,
  /** Every KV key under a prefix. Wakes only; the index comes from the entries and tombstones. */
  kvPrefix: (prefix: string) => `kv-prefix:${prefix}`,
} as const;

/** The keys one read depended on. Reads add to it; the blocking query watches it. */
export class WatchSet {
  readonly keys = new Set<string>();

  add(key: string): void {
    this.keys.add(key);
    assert(this.keys.size <= limits.watchKeysPerQueryMax, `a query watches more than ${limits.watchKeysPerQueryMax} keys`);
  }
}

export type Unwatch = () => void;

/** Key → callbacks. Callbacks run after the commit that touched the key has fully applied. */
export class Watchers {
  private readonly byKey = new Map<string, Set<() => void>>();

  /** `onChange` must be a fresh function per call: unwatching removes that function from the keys. */
  watch(keys: Iterable<string>, onChange: () => void): Unwatch {
    const registered: string[] = [];
    for (const key of keys) {
      let set = this.byKey.get(key);
      if (set === undefined) this.byKey.set(key, (set = new Set()));
      set.add(onChange);
      registered.push(key);
    }
    return () => {
      for (const key of registered) {
        const set = this.byKey.get(key);
        if (set === undefined) continue;
        set.delete(onChange);
        if (set.size === 0) this.byKey.delete(key);
      }
    };
  }

  /** Calls every callback watching any of `keys`, each once (see run()). */
  notify(keys: Iterable<string>): void {
    Watchers.run(this.callbacksFor(keys));
  }

  /** The callbacks watching any of `keys`, each once. */
  callbacksFor(keys: Iterable<string>): Set<() => void> {
    const callbacks = new Set<() => void>();
    for (const key of keys) for (const callback of this.byKey.get(key) ?? []) callbacks.add(callback);
    return callbacks;
  }

  /**
   * Calls the callbacks. A callback that throws is a taxiway bug: the others still run, then an
   * AssertionError says so (never a TaxiwayError, which would read as the failure of a write that
   * has in fact committed).
   */
  static run(callbacks: Iterable<() => void>): void {
    let failure: unknown;
    for (const callback of callbacks) {
      try {
        callback();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw new AssertionError(`a watcher threw: ${failure instanceof Error ? failure.message : 'a non-Error value'}`);
  }

  /** Every callback, each once (a restore replaced all state). */
  allCallbacks(): Set<() => void> {
    return this.callbacksFor(this.byKey.keys());
  }

  /** Number of keys watched; lets tests prove that finished queries leave nothing behind. */
  get watchedKeyCount(): number {
    return this.byKey.size;
  }
}

const kvKeyPrefix = watchKeys.kvKey('');
const kvPrefixPrefix = watchKeys.kvPrefix('');

/**
 * Watchers of KV keys and prefixes. A write to key K must wake the watchers of K and of every
 * prefix of K; looking up each of K's prefixes costs O(|K|), scanning the watched prefixes costs
 * O(watched), so each commit takes the cheaper of the two.
 */
export class KvWatchers {
  private readonly exact = new Watchers();
  private readonly prefixes = new Watchers();
  private readonly watchedPrefixes = new Map<string, number>();

  static owns(key: string): boolean {
    return key.startsWith(kvKeyPrefix) || key.startsWith(kvPrefixPrefix);
  }

  watch(keys: readonly string[], onChange: () => void): Unwatch {
    const exact: string[] = [];
    const prefixes: string[] = [];
    for (const key of keys) {
      if (key.startsWith(kvPrefixPrefix)) prefixes.push(key.slice(kvPrefixPrefix.length));
      else exact.push(key.slice(kvKeyPrefix.length));
    }
    const unwatchExact = this.exact.watch(exact, onChange);
    const unwatchPrefixes = this.prefixes.watch(prefixes, onChange);
    for (const prefix of prefixes) this.watchedPrefixes.set(prefix, (this.watchedPrefixes.get(prefix) ?? 0) + 1);
    return () => {
      unwatchExact();
      unwatchPrefixes();
      for (const prefix of prefixes) {
        const count = (this.watchedPrefixes.get(prefix) ?? 1) - 1;
        if (count === 0) this.watchedPrefixes.delete(prefix);
        else this.watchedPrefixes.set(prefix, count);
      }
    };
  }

  /** Adds to `into` the callbacks of every watcher of the written keys or of a prefix of them. */
  collectCallbacks(keys: Iterable<string>, into: Set<() => void>): void {
    for (const key of keys) {
      for (const callback of this.exact.callbacksFor([key])) into.add(callback);
      if (this.watchedPrefixes.size === 0) continue;
      const prefixes: string[] = [];
      if (this.watchedPrefixes.size <= key.length + 1) {
        for (const prefix of this.watchedPrefixes.keys()) if (key.startsWith(prefix)) prefixes.push(prefix);
      } else {
        for (let length = 0; length <= key.length; length++) prefixes.push(key.slice(0, length));
      }
      for (const callback of this.prefixes.callbacksFor(prefixes)) into.add(callback);
    }
  }

  /** Adds to `into` every callback of every watcher (a restore replaced all state). */
  collectAll(into: Set<() => void>): void {
    for (const callback of this.exact.allCallbacks()) into.add(callback);
    for (const callback of this.prefixes.allCallbacks()) into.add(callback);
  }

  get watchedKeyCount(): number {
    return this.exact.watchedKeyCount + this.prefixes.watchedKeyCount;
  }
}
