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
import type { Node } from '../structs/node.js';
import { Table } from './table.js';
import { Views } from './views.js';
import { type Unwatch, Watchers } from './watch.js';
import { checkIndexes, checkPrimaryKey } from './tables/checks.js';
import { nodeIndexes, nodePrimaryKey } from './tables/nodes.js';
import { type ServiceRow, serviceIndexes, servicePrimaryKey } from './tables/services.js';

export class StateStore {
  readonly nodes = new Table<Node>('nodes', nodePrimaryKey, nodeIndexes);
  readonly services = new Table<ServiceRow>('services', servicePrimaryKey, serviceIndexes);
  readonly checks = new Table<HealthCheck>('checks', checkPrimaryKey, checkIndexes);

  /** Answers derived from the tables, reused until a write touches their key. */
  readonly views = new Views(this);
  private readonly indexByKey = new Map<string, number>();
  private readonly watchers = new Watchers();
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
    this.watchers.notify(tx.touched);
    return result;
  }

  watch(keys: Iterable<string>, onChange: () => void): Unwatch {
    return this.watchers.watch(keys, onChange);
  }

  get watchedKeyCount(): number {
    return this.watchers.watchedKeyCount;
  }
}

/** The handle a write gets: every row change goes through it so that it can be undone. */
export class WriteTxn {
  readonly touched = new Set<string>();
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

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) (this.undo[i] as () => void)();
    this.undo.length = 0;
    this.touched.clear();
  }
}
