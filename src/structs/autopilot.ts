// Autopilot's configuration (Consul's structs.AutopilotConfig), replicated as one row: durations
// are kept in milliseconds and shown as Go duration strings, as Consul's API shows them.

import { formatGoDuration } from '../lib/duration.js';
import { s } from './schema.js';

export interface AutopilotConfig {
  /** Remove servers that stopped answering from Raft (keeping a quorum). */
  readonly CleanupDeadServers: boolean;
  /** A server whose last contact with the leader is older than this is unhealthy. */
  readonly LastContactThresholdMs: number;
  /** A server more entries behind the leader than this is unhealthy. */
  readonly MaxTrailingLogs: number;
  /** Dead-server cleanup never leaves fewer voters than this. */
  readonly MinQuorum: number;
  /** A new server is promoted to voter only after being healthy this long. */
  readonly ServerStabilizationTimeMs: number;
  readonly RedundancyZoneTag: string;
  readonly DisableUpgradeMigration: boolean;
  readonly UpgradeVersionTag: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** Consul's defaults (agent/config/default.go). */
export const autopilotDefaults: AutopilotConfig = {
  CleanupDeadServers: true,
  LastContactThresholdMs: 200,
  MaxTrailingLogs: 250,
  MinQuorum: 0,
  ServerStabilizationTimeMs: 10_000,
  RedundancyZoneTag: '',
  DisableUpgradeMigration: false,
  UpgradeVersionTag: '',
  CreateIndex: 0,
  ModifyIndex: 0,
};

/** PUT /v1/operator/autopilot/configuration: every field optional, missing ones keep Consul's zero value. */
export const autopilotConfigRequestSchema = s.struct('AutopilotConfiguration', {
  CleanupDeadServers: s.bool(),
  LastContactThreshold: s.duration(),
  MaxTrailingLogs: s.uint(),
  MinQuorum: s.uint(),
  ServerStabilizationTime: s.duration(),
  RedundancyZoneTag: s.string(),
  DisableUpgradeMigration: s.bool(),
  UpgradeVersionTag: s.string(),
});

/** The configuration as Consul's API shows it. */
export function renderAutopilotConfig(config: AutopilotConfig): Record<string, unknown> {
  return {
    CleanupDeadServers: config.CleanupDeadServers,
    LastContactThreshold: formatGoDuration(config.LastContactThresholdMs),
    MaxTrailingLogs: config.MaxTrailingLogs,
    MinQuorum: config.MinQuorum,
    ServerStabilizationTime: formatGoDuration(config.ServerStabilizationTimeMs),
    RedundancyZoneTag: config.RedundancyZoneTag,
    DisableUpgradeMigration: config.DisableUpgradeMigration,
    UpgradeVersionTag: config.UpgradeVersionTag,
    CreateIndex: config.CreateIndex,
    ModifyIndex: config.ModifyIndex,
  };
}
