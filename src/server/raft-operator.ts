// RaftOperator: what the operator endpoints ask of the consensus layer. A cluster server answers
// from its Raft node (cluster/raft-operator.ts); a dev server is a one-voter configuration that
// cannot lose or hand over leadership.

import type { AutopilotConfig } from '../structs/autopilot.js';
import type { OperatorHealth, RaftServer } from '../structs/operator.js';
import { TaxiwayError } from '../lib/errors.js';
import { consulVersion } from '../version.js';

export interface RaftOperator {
  servers(): RaftServer[];
  /** Removes the server named by node ID or RPC address; not_found when there is none. */
  removePeer(id: string, address: string): Promise<void>;
  /** Transfers leadership to node ID `id` ("" = the most caught-up other voter). */
  transferLeader(id: string): Promise<void>;
  health(config: AutopilotConfig): OperatorHealth;
}

export interface SoloServer {
  readonly id: string;
  readonly name: string;
  readonly address: () => string;
  readonly lastIndex: () => number;
}

/** The operator view of a dev server: itself, the only voter, always leader and healthy. */
export function soloRaftOperator(self: SoloServer): RaftOperator {
  const server = (): RaftServer => ({ ID: self.id, Node: self.name, Address: self.address(), Leader: true, ProtocolVersion: '3', Voter: true, LastIndex: self.lastIndex() });
  return {
    servers: () => [server()],
    removePeer: () => Promise.reject(new TaxiwayError('bad_request', 'cannot remove the only server of a dev agent')),
    transferLeader: () => Promise.reject(new TaxiwayError('bad_request', 'cannot transfer leadership: there is no other voter')),
    health: () => ({
      Healthy: true,
      FailureTolerance: 0,
      Servers: [
        {
          ID: self.id,
          Name: self.name,
          Address: self.address(),
          SerfStatus: 'alive',
          Version: consulVersion,
          Leader: true,
          LastContact: '0s',
          LastTerm: 1,
          LastIndex: self.lastIndex(),
          Healthy: true,
          Voter: true,
          StableSince: new Date(0).toISOString(),
        },
      ],
    }),
  };
}
