// Goal: CA state changes only through numbered commands and applies deterministically: two FSMs
// fed the same encoded entries hold identical roots and config; set-roots is a check-and-set on
// the roots index (stale → false, nothing changes); exactly one root must be active; an identical
// re-write keeps indexes and wakes no watcher.
// Method: the catalog Harness (real Fsm, wire encoding), roots made once by the real generator.

import test from 'ava';
import { CommandType, type ConnectCaCommand } from '../../src/catalog/commands.js';
import { watchKeys } from '../../src/catalog/watch.js';
import { defaultProviderConfig } from '../../src/connect/ca/provider-config.js';
import type { CaConfiguration } from '../../src/structs/connect-ca.js';
import { Harness } from '../catalog/fixtures.js';
import { clusterId, makeRoot, rotate } from './fixtures.js';

const config: CaConfiguration = { ClusterID: clusterId, Provider: 'consul', Config: defaultProviderConfig, State: null, ForceWithoutCrossSigning: false, CreateIndex: 0, ModifyIndex: 0 };

test('the same commands give the same CA state on two FSMs; a stale check-and-set changes nothing', async (t) => {
  const root = await makeRoot();
  const { roots } = await rotate(root);
  const commands: ConnectCaCommand[] = [
    { type: CommandType.ConnectCa, op: 'set-roots', roots: [root], config, casIndex: 0 },
    { type: CommandType.ConnectCa, op: 'set-roots', roots, config: null, casIndex: 1 },
    { type: CommandType.ConnectCa, op: 'set-roots', roots: [root], config: null, casIndex: 1 },
    { type: CommandType.ConnectCa, op: 'set-config', config: { ...config, Config: { ...defaultProviderConfig, LeafCertTTL: '24h' } } },
  ];
  const [a, b] = [new Harness(), new Harness()];
  const results = commands.map((command) => a.apply(command));
  for (const command of commands) b.apply(command);
  t.deepEqual(results.map((result) => result.ok && result.value), [true, true, false, true]);
  t.deepEqual(a.store.caRoots.rows(), b.store.caRoots.rows());
  t.deepEqual(a.store.caConfig.rows(), b.store.caConfig.rows());
  t.is(a.store.caRoots.size, 2, 'the stale set-roots did not drop the new root');
  t.is(a.store.maxIndex([watchKeys.caRoots]), 2);
  t.is(a.store.caConfig.rows()[0]?.Config.LeafCertTTL, '24h');
  t.is(a.store.caConfig.rows()[0]?.CreateIndex, 1);
});

test('set-roots needs exactly one active root; an identical write keeps the roots index', async (t) => {
  const root = await makeRoot();
  const harness = new Harness();
  const none = harness.apply({ type: CommandType.ConnectCa, op: 'set-roots', roots: [{ ...root, Active: false }], config: null, casIndex: 0 });
  t.false(none.ok);
  t.true(harness.apply({ type: CommandType.ConnectCa, op: 'set-roots', roots: [root], config: null, casIndex: 0 }).ok);
  const index = harness.store.maxIndex([watchKeys.caRoots]);
  t.true(harness.apply({ type: CommandType.ConnectCa, op: 'set-roots', roots: [root], config: null, casIndex: index }).ok);
  t.is(harness.store.maxIndex([watchKeys.caRoots]), index);
});
