// Autopilot's configuration, one replicated row (Consul's state/autopilot.go), written with an
// optional check-and-set on its ModifyIndex. Until the first write the defaults apply.

import type { AutopilotConfig } from '../../structs/autopilot.js';
import { autopilotDefaults } from '../../structs/autopilot.js';
import type { AutopilotCommand } from '../commands.js';
import type { StateStore } from '../store.js';
import { watchKeys } from '../watch.js';

export const autopilotPrimaryKey = (): string => 'config';

export function autopilotConfig(store: StateStore): AutopilotConfig {
  return store.autopilotConfig.get(autopilotPrimaryKey()) ?? autopilotDefaults;
}

/** Writes the configuration; false when `casIndex` is set and is not the row's ModifyIndex. */
export function applyAutopilot(store: StateStore, index: number, command: AutopilotCommand): boolean {
  return store.write(index, (tx) => {
    const existing = store.autopilotConfig.get(autopilotPrimaryKey());
    if (command.casIndex !== null && (existing?.ModifyIndex ?? 0) !== command.casIndex) return false;
    tx.put(store.autopilotConfig, Object.freeze({ ...command.config, CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index }));
    tx.touch(watchKeys.autopilot);
    return true;
  });
}
