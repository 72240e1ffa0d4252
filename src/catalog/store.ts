// StateStore: the replicated state of one datacenter, in memory, as declared tables.
//
// Writes happen only inside write(index, fn), called by the FSM with the log index of the command
// being applied. A write transaction records an undo entry for every row it changes, so a failing
// command (or a failing operation inside a multi-operation transaction) leaves no partial state.
// At commit, each touched watch key takes the commit index and its watchers wake.
//
// Reads are plain synchronous calls on the tables: Node runs one thing at a time, so a read sees
// either all of a commit or none of it without the copy-on-write trees Consul needs.
//
// A snapshot (snapshot.ts) is every table of `tables`, the index of every watch key, the last
// commit index and the index offset; replaceState() puts one back, wholesale, and wakes every
// watcher. The index offset exists for operator restores (tables/snapshot-restore.ts): a snapshot
// taken at index 5000 restored into a log at index 40 would otherwise see its next writes take
// indexes below the ones it restored, and blocking queries would miss them. Instead the FSM adds
// the offset to each log index, so state indexes keep growing after a restore, as Consul's do
// (hashicorp/raft's Restore moves the log index past the snapshot's).

import type { HealthCheck } from '../structs/check.js';
import type { ConfigEntry } from '../structs/config-entry.js';
import type { CaConfiguration, CaRoot } from '../structs/connect-ca.js';
import type { DirEntry } from '../structs/kv.js';
import type { Node } from '../structs/node.js';
import type { Session } from '../structs/session.js';
import { type StoredTable, Table } from './table.js';
import { Views } from './views.js';
import { KvWatchers, type Unwatch, Watchers } from './watch.js';
import { checkIndexes, checkPrimaryKey } from './tables/checks.js';
import { configEntryIndexes, configEntryPrimaryKey } from './tables/config-entries.js';
import { caConfigPrimaryKey, caRootPrimaryKey } from './tables/connect-ca.js';
import { kvIndexes, kvPrimaryKey } from './tables/kv.js';
import { nodeIndexes, nodePrimaryKey } from './tables/nodes.js';
import { type ServiceRow, serviceIndexes, servicePrimaryKey } from './tables/services.js';
import { sessionIndexes, sessionPrimaryKey } from './tables/sessions.js';
import { type Tombstone, tombstonePrimaryKey } from './tables/tombstones.js';
import { type RestoreStaging, restoreStagingPrimaryKey } from './tables/restore-staging.js';
import { autopilotPrimaryKey } from './tables/autopilot.js';
import type { AutopilotConfig } from '../structs/autopilot.js';

/** A key whose lock a commit released by invalidating its session, and the lock-delay it asked for. */
export interface LockDelayRequest {
  readonly key: string;
  readonly delayMs: number;
}

/** The state a snapshot carries beside the table rows. */
export interface StoreIndexes {
  /** The index of the last applied command. */
  readonly lastIndex: number;
  /** Added by the FSM to every log index (see the header). */
  readonly indexOffset: number;
  /** Every watch key with the index of the last commit that touched it, sorted by key. */
  readonly keyIndexes: readonly (readonly [string, number])[];
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
  /** At most one row: autopilot's configuration (defaults until the first write). */
  readonly autopilotConfig = new Table<AutopilotConfig>('autopilot-config', autopilotPrimaryKey, []);
  /** At most one row: the operator restore being staged through the log, chunk by chunk. */
  readonly restoreStaging = new Table<RestoreStaging>('snapshot-restore-staging', restoreStagingPrimaryKey, []);

  /**
   * Every table, in snapshot order. A table missing here would silently vanish from snapshots:
   * test/catalog/snapshot.test.ts fails when a Table field of the store is not listed.
   */
  readonly tables: readonly StoredTable[] = [
    this.nodes,
    this.services,
    this.checks,
    this.kvs,
    this.tombstones,
    this.sessions,
    this.caRoots,
    this.caConfig,
    this.configEntries,
    this.autopilotConfig,
    this.restoreStaging,
  ];

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
  private offset = 0;
  private restores = 0;

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

  /** Added by the FSM to each log index to get the state index of its command (see the header). */
  get indexOffset(): number {
    return this.offset;
  }

  /** How many times replaceState() ran: a blocking query woken by a restore returns at once. */
  get restoreCount(): number {
    return this.restores;
  }

  /** The indexes a snapshot carries; keyIndexes sorted by key, so equal states give equal bytes. */
  indexes(): StoreIndexes {
    const keyIndexes = [...this.indexByKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { lastIndex: this.lastCommitIndex, indexOffset: this.offset, keyIndexes };
  }

  /**
   * Replaces the whole state (a snapshot restore): the rows of every table (a table absent from
   * `rows` becomes empty) and the indexes. Views are dropped and every watcher wakes, so blocked
   * queries re-run against the new state. The caller has validated the rows (snapshot.ts).
   */
  replaceState(rows: ReadonlyMap<string, readonly unknown[]>, indexes: StoreIndexes): void {
    for (const table of this.tables) table.replaceRows(rows.get(table.name) ?? []);
    this.indexByKey.clear();
    for (const [key, index] of indexes.keyIndexes) this.indexByKey.set(key, index);
    this.lastCommitIndex = indexes.lastIndex;
    this.offset = indexes.indexOffset;
    this.restores++;
    this.views.clear();
    const callbacks = this.watchers.allCallbacks();
    this.kvWatchers.collectAll(callbacks);
    Watchers.run(callbacks);
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
