// Goal: StateStore.write is all-or-nothing: a transaction that throws leaves no row, no key index
// and no wake-up behind; a commit stamps its index on exactly the keys it touched and wakes each
// watcher of those keys once, after the state and indexes are in place; unwatching leaves no key.
// Method: table tests on raw write transactions over the nodes table.

import test from 'ava';
import { StateStore, type WriteTxn } from '../../src/catalog/store.js';
import type { Node } from '../../src/structs/node.js';

function node(name: string, address = '10.0.0.1'): Node {
  return Object.freeze({ ID: '', Node: name, Address: address, Datacenter: 'dc1', TaggedAddresses: {}, Meta: {}, CreateIndex: 1, ModifyIndex: 1 });
}

test('a commit stamps its index on the keys it touched and on no other key', (t) => {
  const store = new StateStore();
  store.write(3, (tx) => {
    tx.put(store.nodes, node('n1'));
    tx.touch('nodes');
    tx.touch('node:n1');
  });
  t.is(store.maxIndex(['nodes']), 3);
  t.is(store.maxIndex(['node:n1']), 3);
  t.is(store.maxIndex(['node:n2']), 0, 'never touched');
  t.is(store.maxIndex([]), 0);
  t.is(store.lastIndex, 3);
  store.write(4, (tx) => tx.touch('node:n2'));
  t.is(store.maxIndex(['nodes', 'node:n2']), 4);
  t.is(store.maxIndex(['nodes']), 3);
});

test('a write that touches nothing still advances lastIndex and wakes nobody', (t) => {
  const store = new StateStore();
  let wakes = 0;
  const unwatch = store.watch(['nodes'], () => wakes++);
  t.is(
    store.write(9, () => 'result'),
    'result',
  );
  t.is(store.lastIndex, 9);
  t.is(wakes, 0);
  unwatch();
});

const changeCases: { name: string; change: (store: StateStore, tx: WriteTxn) => void }[] = [
  { name: 'an insert', change: (store, tx) => void tx.put(store.nodes, node('n2')) },
  { name: 'a replacement', change: (store, tx) => void tx.put(store.nodes, node('n1', '10.9.9.9')) },
  { name: 'a removal', change: (store, tx) => void tx.remove(store.nodes, 'n1') },
  {
    name: 'several changes to the same row',
    change: (store, tx) => {
      tx.put(store.nodes, node('n1', '10.0.0.2'));
      tx.remove(store.nodes, 'n1');
      tx.put(store.nodes, node('n1', '10.0.0.3'));
      tx.put(store.nodes, node('n3'));
    },
  },
];

for (const { name, change } of changeCases) {
  test(`rollback: a transaction that throws after ${name} leaves rows, indexes and watchers as they were`, (t) => {
    const store = new StateStore();
    const original = node('n1');
    store.write(1, (tx) => {
      tx.put(store.nodes, original);
      tx.touch('nodes');
    });
    const rowsBefore = store.nodes.rows();
    let wakes = 0;
    const unwatch = store.watch(['nodes', 'node:n1', 'node:n2'], () => wakes++);
    const failing = new Error('boom');
    t.throws(
      () =>
        store.write(2, (tx) => {
          tx.touch('nodes');
          tx.touch('node:n1');
          change(store, tx);
          throw failing;
        }),
      { is: failing },
    );
    t.deepEqual(store.nodes.rows(), rowsBefore);
    t.is(store.nodes.get('n1'), original, 'the very same row object is back');
    t.is(store.nodes.size, 1);
    t.is(store.maxIndex(['nodes']), 1);
    t.is(store.maxIndex(['node:n1']), 0);
    t.is(store.lastIndex, 1, 'a failed transaction is not applied');
    t.is(wakes, 0);
    unwatch();
    t.is(store.watchedKeyCount, 0);
  });
}

test('a watcher of several touched keys wakes once per commit', (t) => {
  const store = new StateStore();
  let wakes = 0;
  const unwatch = store.watch(['nodes', 'node:n1', 'node:n2'], () => wakes++);
  store.write(1, (tx) => {
    tx.touch('nodes');
    tx.touch('node:n1');
    tx.touch('node:n2');
  });
  t.is(wakes, 1);
  store.write(2, (tx) => tx.touch('node:n2'));
  t.is(wakes, 2);
  store.write(3, (tx) => tx.touch('node:n3'));
  t.is(wakes, 2, 'a key nobody watches wakes nobody');
  unwatch();
});

test('a watcher wakes after the commit: it sees the new rows and the new key index', (t) => {
  const store = new StateStore();
  const seen: { index: number; address: string | undefined }[] = [];
  const unwatch = store.watch(['node:n1'], () => seen.push({ index: store.maxIndex(['node:n1']), address: store.nodes.get('n1')?.Address }));
  store.write(5, (tx) => {
    tx.put(store.nodes, node('n1', '10.1.1.1'));
    tx.touch('node:n1');
  });
  t.deepEqual(seen, [{ index: 5, address: '10.1.1.1' }]);
  unwatch();
});

test('two watchers of one key both wake; unwatching one leaves the other', (t) => {
  const store = new StateStore();
  let a = 0;
  let b = 0;
  const unwatchA = store.watch(['k'], () => a++);
  const unwatchB = store.watch(['k', 'other'], () => b++);
  t.is(store.watchedKeyCount, 2);
  store.write(1, (tx) => tx.touch('k'));
  unwatchA();
  store.write(2, (tx) => tx.touch('k'));
  t.deepEqual([a, b], [1, 2]);
  t.is(store.watchedKeyCount, 2);
  unwatchB();
  t.is(store.watchedKeyCount, 0, 'no key is left behind');
  unwatchB();
  t.is(store.watchedKeyCount, 0, 'unwatch is idempotent');
});

test('a watcher that unwatches itself while being woken is not called again', (t) => {
  const store = new StateStore();
  let wakes = 0;
  const unwatch = store.watch(['k'], () => {
    wakes++;
    unwatch();
  });
  store.write(1, (tx) => tx.touch('k'));
  store.write(2, (tx) => tx.touch('k'));
  t.is(wakes, 1);
  t.is(store.watchedKeyCount, 0);
});
