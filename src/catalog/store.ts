// StateStore: the replicated state of one datacenter, in memory, as declared tables.
//
// Writes happen only inside write(index, fn), called by the FSM with the log index of the command
// being applied. A write transaction records an undo entry for every row it changes, so a failing
// command (or a failing operation inside a multi-operation transaction) leaves no partial state.
// At commit, each touched watch key takes the commit index and its watchers wake.
//
// Reads are plain synchronous calls on the tables: Node runs one thing at a time, so a read sees
// either all of a commit or none of it without the copy-on-write trees Consul needs.

import type { HealthCheck } from '../structs/check.js';
import type { ConfigEntry } from '../structs/config-entry.js';
import type { CaConfiguration, CaRoot } from '../structs/connect-ca.js';
import type { DirEntry } from '../structs/kv.js';
import type { Node } from '../structs/node.js';
import type { PreparedQuery } from '../structs/prepared-query.js';
import type { Session } from '../structs/session.js';
import { Table } from './table.js';
import { Views } from './views.js';
import { KvWatchers, type Unwatch, Watchers } from './watch.js';
import { checkIndexes, checkPrimaryKey } from './tables/checks.js';
import { configEntryIndexes, configEntryPrimaryKey } from './tables/config-entries.js';
import { caConfigPrimaryKey, caRootPrimaryKey } from './tables/connect-ca.js';
import { kvIndexes, kvPrimaryKey } from './tables/kv.js';
import { nodeIndexes, nodePrimaryKey } from './tables/nodes.js';
import { preparedQueryIndexes, preparedQueryPrimaryKey } from './tables/prepared-queries.js';
import { type ServiceRow, serviceIndexes, servicePrimaryKey } from './tables/services.js';
import { sessionIndexes, sessionPrimaryKey } from './tables/sessions.js';
import { type Tombstone, tombstonePrimaryKey } from './tables/tombstones.js';

/** A key whose lock a commit released by invalidating its session, and the lock-delay it asked for. */
export interface LockDelayRequest {
  readonly key: string;
  readonly delayMs: number;
}

export class StateStore {
  readonly nodes = new Table<Node>('nodes', nodePrimaryKey, nodeIndexes);
  readonly services = new Table<ServiceRow>('services', servicePrimaryKey, serviceIndexes);
  readonly checks = new Table<HealthCheck>('checks', checkPrimaryKey, checkIndexes);
  readonly kvs = new Table<DirEntry>('kvs', kvPrimaryKey, kvIndexes, { ordered: true });
  readonly tombstones = new Table<Tombstone>('tombstones', tombstonePrimaryKey, [], { ordered: true });
  readonly sessions = new Table<Session>('sessions', sessionPrimaryKey, sessionIndexes);
  readonly caRoots = new Table<CaRoot>('connect-ca-roots', caRootPrimaryKey, []);
  /** At most one row: the CA configuration. */
  readonly caConfig = new Table<CaConfiguration>('connect-ca-config', caConfigPrimaryKey, []);
  /** Config entries keyed "kind/name" (service-defaults, service-intentions, ...). */
  readonly configEntries = new Table<ConfigEntry>('config-entries', configEntryPrimaryKey, configEntryIndexes);
  /** Prepared queries keyed by ID (lower case), indexed by name, session and template prefix. */
  readonly preparedQueries = new Table<PreparedQuery>('prepared-queries', preparedQueryPrimaryKey, preparedQueryIndexes);

  /**
   * Told, after each commit, of the keys whose lock-delay starts now. Lock-delay is wall-clock
   * time and deliberately not replicated state (as in Consul): each server keeps its own.
   */
  onLockDelay: (request: LockDelayRequest) => void = () => {};

  /** Answers derived from the tables, reused until a write touches their key. */
  readonly views = new Views(this);
  private readonly indexByKey = new Map<string, number>();
  private readonly watchers = new Watchers();
  private readonly kvWatchers = new KvWatchers();
  private lastCommitIndex = 0;

  /** The index of the last commit that touched any of `keys`; 0 when none ever did. */
  maxIndex(keys: Iterable<string>): number {
    let max = 0;
    for (const key of keys) max = Math.max(max, this.indexByKey.get(key) ?? 0);
    return max;
  }

  /** The index of the last applied command. */
  get lastIndex(): number {
    return this.lastCommitIndex;
  }

  /**
   * Runs fn as one atomic write at log index `index`: either every change fn made is kept and the
   * watchers of the touched keys wake, or fn throws and every change is undone.
   */
  write<R>(index: number, fn: (tx: WriteTxn) => R): R {
    const tx = new WriteTxn(index);
    let result: R;
    try {
      result = fn(tx);
    } catch (error) {
      tx.rollback();
      throw error;
    }
    // An index that did not move still counts as applied: commands that change nothing (an
    // identical re-registration) advance lastIndex but touch no key, so no watcher wakes.
    this.lastCommitIndex = Math.max(this.lastCommitIndex, index);
    for (const key of tx.touched) this.indexByKey.set(key, index);
    const callbacks = this.watchers.callbacksFor(tx.touched);
    this.kvWatchers.collectCallbacks(tx.kvKeys, callbacks);
    for (const request of tx.lockDelays) this.onLockDelay(request);
    Watchers.run(callbacks);
    return result;
  }

  /** Calls onChange after the next commit that touches any of `keys` (see watch.ts for KV keys). */
  watch(keys: Iterable<string>, onChange: () => void): Unwatch {
    const plain: string[] = [];
    const kv: string[] = [];
    for (const key of keys) (KvWatchers.owns(key) ? kv : plain).push(key);
    const unwatchPlain = this.watchers.watch(plain, onChange);
    const unwatchKv = this.kvWatchers.watch(kv, onChange);
    return () => {
      unwatchPlain();
      unwatchKv();
    };
  }

  get watchedKeyCount(): number {
    return this.watchers.watchedKeyCount + this.kvWatchers.watchedKeyCount;
  }
}

/** The handle a write gets: every row change goes through it so that it can be undone. */
export class WriteTxn {
  readonly touched = new Set<string>();
  /** KV keys written or deleted: their exact and prefix watchers wake, no index is kept per key. */
  readonly kvKeys = new Set<string>();
  /** Lock-delays to start once this transaction commits. */
  readonly lockDelays: LockDelayRequest[] = [];
  private readonly undo: (() => void)[] = [];

  constructor(readonly index: number) {}

  put<T>(table: Table<T>, row: T): T | undefined {
    const previous = table.put(row);
    this.undo.push(previous === undefined ? () => table.remove(table.primaryKey(row)) : () => table.put(previous));
    return previous;
  }

  remove<T>(table: Table<T>, primaryKey: string): T | undefined {
    const previous = table.remove(primaryKey);
    if (previous !== undefined) this.undo.push(() => table.put(previous));
    return previous;
  }

  /** Marks a watch key as changed by this transaction. */
  touch(key: string): void {
    this.touched.add(key);
  }

  /** Marks a KV key as written or deleted by this transaction. */
  touchKvKey(key: string): void {
    this.kvKeys.add(key);
  }

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) (this.undo[i] as () => void)();
    this.undo.length = 0;
    this.touched.clear();
    this.kvKeys.clear();
    this.lockDelays.length = 0;
  }
}
