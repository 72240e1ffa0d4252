// The shapes of /v1/operator/raft/configuration and /v1/operator/autopilot/health|state, as
// Consul's structs.RaftConfigurationResponse and api.OperatorHealthReply show them.

/** One server of the Raft configuration. */
export interface RaftServer {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Leader: boolean;
  readonly ProtocolVersion: string;
  readonly Voter: boolean;
  readonly LastIndex: number;
}

export interface RaftConfiguration {
  readonly Servers: readonly RaftServer[];
  readonly Index: number;
}

/** One server's health as the leader's autopilot sees it. */
export interface ServerHealth {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  readonly SerfStatus: string;
  readonly Version: string;
  readonly Leader: boolean;
  /** Go duration string since the leader last heard from it ("0s" for the leader). */
  readonly LastContact: string;
  readonly LastTerm: number;
  readonly LastIndex: number;
  readonly Healthy: boolean;
  readonly Voter: boolean;
  /** RFC 3339 time since which it has been healthy (or unhealthy). */
  readonly StableSince: string;
}

export interface OperatorHealth {
  readonly Healthy: boolean;
  /** Voters that may fail with quorum kept: healthy voters minus a quorum of all voters. */
  readonly FailureTolerance: number;
  readonly Servers: readonly ServerHealth[];
}
