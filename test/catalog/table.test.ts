// Goal: Table<T> keeps rows in primary-key order whatever the insertion order, files every row
// under each key its indexes give (none, one or several), moves it when a replacement changes its
// keys, drops empty buckets, and rebuilds a sorted view only after a change (while a view handed
// out earlier stays as it was).
// Method: table tests on a small row type with a single-key and a multi-key index, and a
// fast-check property comparing random puts and removes with a Map model.

import test from 'ava';
import fc from 'fast-check';
import { AssertionError } from '../../src/lib/assert.js';
import { Table } from '../../src/catalog/table.js';

interface Row {
  readonly id: string;
  readonly group: string;
  readonly tags: readonly string[];
}

function newTable(): Table<Row> {
  return new Table<Row>('rows', (row) => row.id, [
    { name: 'group', keys: (row) => [row.group] },
    { name: 'tag', keys: (row) => row.tags },
  ]);
}

const row = (id: string, group = 'g', tags: readonly string[] = []): Row => ({ id, group, tags });
const ids = (rows: readonly Row[]): string[] => rows.map((r) => r.id);

const orderCases: { name: string; inserted: string[]; expected: string[] }[] = [
  { name: 'already sorted', inserted: ['a', 'b', 'c'], expected: ['a', 'b', 'c'] },
  { name: 'reversed', inserted: ['c', 'b', 'a'], expected: ['a', 'b', 'c'] },
  { name: 'prefixes sort first', inserted: ['n1/web-2', 'n1/web', 'n1'], expected: ['n1', 'n1/web', 'n1/web-2'] },
  { name: 'code-unit order, not numeric', inserted: ['n10', 'n9', 'n1'], expected: ['n1', 'n10', 'n9'] },
  { name: 'upper case before lower case', inserted: ['b', 'B', 'a'], expected: ['B', 'a', 'b'] },
];

for (const { name, inserted, expected } of orderCases) {
  test(`rows() and rowsBy() are in primary-key order: ${name}`, (t) => {
    const table = newTable();
    for (const id of inserted) table.put(row(id));
    t.deepEqual(ids(table.rows()), expected);
    t.deepEqual(ids(table.rowsBy('group', 'g')), expected);
  });
}

test('put returns the replaced row and moves it between buckets of a single-key index', (t) => {
  const table = newTable();
  t.is(table.put(row('a', 'g1')), undefined);
  const first = table.get('a');
  t.is(table.put(row('a', 'g2')), first);
  t.deepEqual(ids(table.rowsBy('group', 'g1')), []);
  t.deepEqual(ids(table.rowsBy('group', 'g2')), ['a']);
  t.deepEqual([...table.keysOf('group')], ['g2'], 'the emptied bucket is dropped');
  t.is(table.size, 1);
});

test('a multi-key index files a row under each key, and none when it gives no key', (t) => {
  const table = newTable();
  table.put(row('a', 'g', ['x', 'y']));
  table.put(row('b', 'g', ['y']));
  table.put(row('c', 'g', []));
  t.deepEqual(ids(table.rowsBy('tag', 'x')), ['a']);
  t.deepEqual(ids(table.rowsBy('tag', 'y')), ['a', 'b']);
  t.is(table.countBy('tag', 'y'), 2);
  t.is(table.countBy('tag', 'z'), 0);
  t.deepEqual([...table.keysOf('tag')].sort(), ['x', 'y']);
  table.put(row('a', 'g', ['z']));
  t.deepEqual(ids(table.rowsBy('tag', 'x')), []);
  t.deepEqual(ids(table.rowsBy('tag', 'z')), ['a']);
  t.deepEqual([...table.keysOf('tag')].sort(), ['y', 'z']);
});

test('remove unindexes the row and returns it; removing a missing key returns undefined', (t) => {
  const table = newTable();
  const a = row('a', 'g', ['x']);
  table.put(a);
  t.is(table.remove('a'), a);
  t.is(table.remove('a'), undefined);
  t.is(table.get('a'), undefined);
  t.deepEqual([...table.keysOf('group')], []);
  t.deepEqual([...table.keysOf('tag')], []);
  t.is(table.size, 0);
});

test('the sorted view is cached until a change, and a view handed out earlier is not modified', (t) => {
  const table = newTable();
  table.put(row('b'));
  table.put(row('a'));
  const view = table.rows();
  const bucketView = table.rowsBy('group', 'g');
  t.is(table.rows(), view, 'no change: the same array');
  t.is(table.rowsBy('group', 'g'), bucketView);
  table.put(row('c'));
  const after = table.rows();
  t.not(after, view);
  t.deepEqual(ids(view), ['a', 'b'], 'the old view is a snapshot');
  t.deepEqual(ids(after), ['a', 'b', 'c']);
  t.deepEqual(ids(table.rowsBy('group', 'g')), ['a', 'b', 'c']);
  table.remove('a');
  t.deepEqual(ids(table.rows()), ['b', 'c']);
  t.deepEqual(ids(after), ['a', 'b', 'c']);
});

test('a change in one bucket leaves the cached views of other buckets alone', (t) => {
  const table = newTable();
  table.put(row('a', 'g1'));
  table.put(row('b', 'g2'));
  const g1 = table.rowsBy('group', 'g1');
  table.put(row('c', 'g2'));
  t.is(table.rowsBy('group', 'g1'), g1);
});

test('replacing a row in place shows the new row in every view', (t) => {
  const table = newTable();
  table.put(row('a', 'g', ['x']));
  table.rows();
  table.rowsBy('tag', 'x');
  const replacement = row('a', 'g', ['x']);
  table.put(replacement);
  t.is(table.rows()[0], replacement);
  t.is(table.rowsBy('tag', 'x')[0], replacement);
  t.is(table.rowsBy('group', 'g')[0], replacement);
});

test('an undeclared index is our bug: it asserts', (t) => {
  const table = newTable();
  t.throws(() => table.rowsBy('nope', 'x'), { instanceOf: AssertionError, message: 'table rows has no index nope' });
});

type Operation = { kind: 'put'; row: Row } | { kind: 'remove'; id: string };

const idArbitrary = fc.constantFrom('a', 'b', 'c', 'B', 'a/b', 'a/');
const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    row: fc.record({ id: idArbitrary, group: fc.constantFrom('g1', 'g2'), tags: fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }) }),
  }),
  fc.record({ kind: fc.constant('remove' as const), id: idArbitrary }),
);

test('property: after any puts and removes, every view equals the model filtered and sorted', (t) => {
  fc.assert(
    fc.property(fc.array(operationArbitrary, { maxLength: 40 }), (operations) => {
      const table = newTable();
      const model = new Map<string, Row>();
      for (const operation of operations) {
        if (operation.kind === 'put') {
          if (table.put(operation.row) !== model.get(operation.row.id)) return false;
          model.set(operation.row.id, operation.row);
        } else {
          if (table.remove(operation.id) !== model.get(operation.id)) return false;
          model.delete(operation.id);
        }
        // Read between writes, so that stale cached views would show.
        const sorted = [...model.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        if (!isDeepEqual(table.rows(), sorted)) return false;
        for (const group of ['g1', 'g2']) if (!isDeepEqual(table.rowsBy('group', group), sorted.filter((r) => r.group === group))) return false;
        for (const tag of ['x', 'y', 'z']) if (!isDeepEqual(table.rowsBy('tag', tag), sorted.filter((r) => r.tags.includes(tag)))) return false;
      }
      return true;
    }),
  );
  t.pass();
});

function isDeepEqual(a: readonly Row[], b: readonly Row[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
