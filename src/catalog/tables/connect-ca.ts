// The Connect CA's replicated state (Consul's state/connect_ca.go): the trusted roots, one of them
// active, and the CA configuration (one row). Roots are replaced as a set, with a check-and-set on
// the roots table's index, so a rotation is one atomic step: the new active root, the old roots
// kept until their leaves expire, and the configuration that caused it.

import { badRequest } from '../../lib/errors.js';
import type { CaConfiguration, CaRoot } from '../../structs/connect-ca.js';
import type { ConnectCaCommand } from '../commands.js';
import type { StateStore, WriteTxn } from '../store.js';
import { watchKeys } from '../watch.js';

export const caRootPrimaryKey = (root: CaRoot): string => root.ID;
export const caConfigPrimaryKey = (): string => 'config';

/** The one active root, if the CA has been initialized. */
export function activeCaRoot(store: StateStore): CaRoot | undefined {
  return store.caRoots.rows().find((root) => root.Active);
}

function setConfigTxn(store: StateStore, tx: WriteTxn, config: CaConfiguration): void {
  const existing = store.caConfig.get(caConfigPrimaryKey());
  tx.put(store.caConfig, Object.freeze({ ...config, CreateIndex: existing?.CreateIndex ?? tx.index, ModifyIndex: tx.index }));
  tx.touch(watchKeys.caConfig);
}

/** Same content apart from the raft indexes (an unchanged root keeps its indexes and wakes nobody). */
function sameRoot(a: CaRoot, b: CaRoot): boolean {
  return JSON.stringify({ ...a, CreateIndex: 0, ModifyIndex: 0 }) === JSON.stringify({ ...b, CreateIndex: 0, ModifyIndex: 0 });
}

function setRootsTxn(store: StateStore, tx: WriteTxn, roots: readonly CaRoot[]): void {
  const active = roots.filter((root) => root.Active).length;
  if (active !== 1) throw badRequest(`exactly one root must be active, got ${active}`);
  const ids = new Set(roots.map(caRootPrimaryKey));
  if (ids.size !== roots.length) throw badRequest('duplicate CA root ID');
  let changed = false;
  for (const existing of store.caRoots.rows()) {
    if (ids.has(existing.ID)) continue;
    tx.remove(store.caRoots, existing.ID);
    changed = true;
  }
  for (const root of roots) {
    const existing = store.caRoots.get(root.ID);
    if (existing !== undefined && sameRoot(existing, root)) continue;
    tx.put(store.caRoots, Object.freeze({ ...root, CreateIndex: existing?.CreateIndex ?? tx.index, ModifyIndex: tx.index }));
    changed = true;
  }
  if (changed) tx.touch(watchKeys.caRoots);
}

/** Applies a ConnectCa command; `set-roots` answers false when its check-and-set index is stale. */
export function applyConnectCa(store: StateStore, index: number, command: ConnectCaCommand): boolean {
  switch (command.op) {
    case 'set-config':
      store.write(index, (tx) => setConfigTxn(store, tx, command.config));
      return true;
    case 'set-roots': {
      if (store.maxIndex([watchKeys.caRoots]) !== command.casIndex) {
        store.write(index, () => undefined);
        return false;
      }
      store.write(index, (tx) => {
        setRootsTxn(store, tx, command.roots);
        if (command.config !== null) setConfigTxn(store, tx, command.config);
      });
      return true;
    }
  }
}
