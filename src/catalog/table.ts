// Table<T>: rows keyed by a primary key, with declared secondary indexes. Reads return rows in
// primary-key order (as Consul's radix-tree tables do), which keeps responses stable and lets
// clients such as Traefik pair two endpoints' lists by position. Sorted views are cached per
// index bucket and dropped when the bucket changes, so a hot read path sorts once per write.
//
// Rows are immutable by contract: a write replaces the row object, never mutates it. That is
// what makes it safe to hand rows straight to serialisers and to keep them in undo logs.

import { assert } from '../lib/assert.js';
import { SortedKeys } from './sorted-keys.js';

export interface IndexSpec<T> {
  readonly name: string;
  /** The keys this row is filed under (none, one or several); keys are compared exactly. */
  keys(row: T): readonly string[];
}

function comparePrimaryKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Bucket<T> {
  readonly rows = new Map<string, T>();
  private sorted: T[] | undefined;

  set(primaryKey: string, row: T): void {
    this.rows.set(primaryKey, row);
    this.sorted = undefined;
  }

  delete(primaryKey: string): void {
    this.rows.delete(primaryKey);
    this.sorted = undefined;
  }

  clear(): void {
    this.rows.clear();
    this.sorted = undefined;
  }

  /** Rows in primary-key order; the array is shared and must not be modified by callers. */
  inOrder(): readonly T[] {
    if (this.sorted === undefined) {
      const keys = [...this.rows.keys()].sort(comparePrimaryKeys);
      this.sorted = keys.map((key) => this.rows.get(key) as T);
    }
    return this.sorted;
  }
}

/**
 * What a snapshot needs of a table, whatever its row type: its name, its rows in primary-key
 * order, and a way to replace them all (store.ts lists every table as one of these).
 */
export interface StoredTable {
  readonly name: string;
  readonly size: number;
  primaryKey(row: unknown): string;
  rows(): readonly unknown[];
  replaceRows(rows: readonly unknown[]): void;
}

export class Table<T> implements StoredTable {
  private readonly all = new Bucket<T>();
  private readonly indexes = new Map<string, { spec: IndexSpec<T>; buckets: Map<string, Bucket<T>> }>();
  /** Primary keys in order, for tables that answer prefix scans (KV); undefined for the others. */
  private readonly ordered: SortedKeys | undefined;

  constructor(
    readonly name: string,
    readonly primaryKey: (row: T) => string,
    indexSpecs: readonly IndexSpec<T>[],
    options: { readonly ordered?: boolean } = {},
  ) {
    for (const spec of indexSpecs) this.indexes.set(spec.name, { spec, buckets: new Map() });
    this.ordered = options.ordered === true ? new SortedKeys() : undefined;
  }

  get size(): number {
    return this.all.rows.size;
  }

  get(primaryKey: string): T | undefined {
    return this.all.rows.get(primaryKey);
  }

  /** Every row in primary-key order. */
  rows(): readonly T[] {
    return this.all.inOrder();
  }

  /** Rows whose primary key starts with `prefix`, in primary-key order. Only for ordered tables. */
  rowsWithPrefix(prefix: string): T[] {
    assert(this.ordered !== undefined, `table ${this.name} is not ordered`);
    return this.ordered.withPrefix(prefix).map((key) => this.all.rows.get(key) as T);
  }

  /** Rows filed under `key` in index `indexName`, in primary-key order. */
  rowsBy(indexName: string, key: string): readonly T[] {
    return this.index(indexName).buckets.get(key)?.inOrder() ?? [];
  }

  /** Number of rows filed under `key` without materialising them. */
  countBy(indexName: string, key: string): number {
    return this.index(indexName).buckets.get(key)?.rows.size ?? 0;
  }

  /** The distinct keys of an index, unordered. */
  keysOf(indexName: string): IterableIterator<string> {
    return this.index(indexName).buckets.keys();
  }

  /**
   * Inserts or replaces the row with the same primary key; returns the row it replaced.
   * Only StateStore write transactions call this, so that every change can be undone.
   */
  put(row: T): T | undefined {
    const primaryKey = this.primaryKey(row);
    const previous = this.all.rows.get(primaryKey);
    if (previous !== undefined) this.unindex(primaryKey, previous);
    else this.ordered?.insert(primaryKey);
    this.all.set(primaryKey, row);
    this.file(primaryKey, row);
    return previous;
  }

  /** Removes the row with this primary key; returns it. Same caller rule as put(). */
  remove(primaryKey: string): T | undefined {
    const previous = this.all.rows.get(primaryKey);
    if (previous === undefined) return undefined;
    this.unindex(primaryKey, previous);
    this.all.delete(primaryKey);
    this.ordered?.delete(primaryKey);
    return previous;
  }

  /**
   * Forgets every row and takes `rows` instead (a snapshot restore). Only the store calls this,
   * outside any write transaction: a restore replaces the state wholesale and is not undone.
   */
  replaceRows(rows: readonly T[]): void {
    this.all.clear();
    for (const index of this.indexes.values()) index.buckets.clear();
    this.ordered?.reset([]);
    for (const row of rows) {
      const primaryKey = this.primaryKey(row);
      assert(!this.all.rows.has(primaryKey), `table ${this.name}: two rows with primary key ${primaryKey}`);
      this.all.set(primaryKey, row);
      this.file(primaryKey, row);
    }
    this.ordered?.reset([...this.all.rows.keys()]);
  }

  private file(primaryKey: string, row: T): void {
    for (const { spec, buckets } of this.indexes.values()) {
      for (const key of spec.keys(row)) {
        let bucket = buckets.get(key);
        if (bucket === undefined) buckets.set(key, (bucket = new Bucket()));
        bucket.set(primaryKey, row);
      }
    }
  }

  private unindex(primaryKey: string, row: T): void {
    for (const { spec, buckets } of this.indexes.values()) {
      for (const key of spec.keys(row)) {
        const bucket = buckets.get(key);
        if (bucket === undefined) continue;
        bucket.delete(primaryKey);
        if (bucket.rows.size === 0) buckets.delete(key);
      }
    }
  }

  private index(indexName: string): { spec: IndexSpec<T>; buckets: Map<string, Bucket<T>> } {
    const index = this.indexes.get(indexName);
    assert(index !== undefined, `table ${this.name} has no index ${indexName}`);
    return index;
  }
}
