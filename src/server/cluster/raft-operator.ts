// The operator view of a cluster server's Raft node: the configuration with names and addresses
// from the PeerBook, peer removal by node ID or address, leadership transfer, and autopilot's
// health. Removal and transfer run on the leader (the router forwards these writes there).

import type { Clock } from '../../lib/clock.js';
import { TaxiwayError } from '../../lib/errors.js';
import type { NodeId } from '../../raft/messages.js';
import type { AutopilotConfig } from '../../structs/autopilot.js';
import type { OperatorHealth, RaftServer } from '../../structs/operator.js';
import type { RaftOperator } from '../raft-operator.js';
import type { Autopilot } from './autopilot.js';
import type { PeerBook } from './peer-book.js';
import type { RaftLog } from './raft-log.js';
import { raftIdOf } from './server-info.js';

/** How long transfer-leader waits for the new leader to take over. */
const transferWaitMs = 5_000;

export class ClusterRaftOperator implements RaftOperator {
  constructor(
    private readonly log: RaftLog,
    private readonly book: PeerBook,
    private readonly autopilot: Autopilot,
    private readonly clock: Clock,
  ) {}

  servers(): RaftServer[] {
    const status = this.log.status();
    const { voters, learners } = status.config;
    return [...voters, ...learners].map((id) => {
      const info = this.book.get(id);
      const lastIndex = id === status.id ? status.lastIndex : (status.progress.get(id)?.match ?? 0);
      return { ID: info?.id ?? String(id), Node: info?.name ?? '', Address: info?.address ?? '', Leader: id === status.leader, ProtocolVersion: '3', Voter: voters.includes(id), LastIndex: lastIndex };
    });
  }

  async removePeer(id: string, address: string): Promise<void> {
    const { voters, learners } = this.log.membership();
    const target = id !== '' ? raftIdOf(id) : this.book.all().find((server) => server.address === address)?.id;
    const raftId = typeof target === 'string' ? raftIdOf(target) : target;
    if (raftId === undefined || (!voters.includes(raftId) && !learners.includes(raftId))) {
      throw new TaxiwayError('not_found', id !== '' ? `id "${id}" was not found in the Raft configuration` : `address "${address}" was not found in the Raft configuration`);
    }
    this.autopilot.forget(raftId);
    await this.log.changeMembership({ type: 'removeNode', node: raftId });
  }

  async transferLeader(id: string): Promise<void> {
    const status = this.log.status();
    const target = id !== '' ? raftIdOf(id) : this.mostCaughtUpVoter(status.config.voters, status.id);
    if (target === undefined || !status.config.voters.includes(target)) throw new TaxiwayError('bad_request', id === '' ? 'cannot transfer leadership: there is no other voter' : `id "${id}" is not a voter`);
    if (!this.log.transferLeadership(target)) throw new TaxiwayError('no_leader', 'leadership transfer refused: this server is not the leader, or a transfer is under way');
    const deadline = this.clock.monotonicMs() + transferWaitMs;
    while (this.log.leaderId() !== target) {
      if (this.clock.monotonicMs() > deadline) throw new TaxiwayError('internal', `leadership did not move to ${id || String(target)} within ${transferWaitMs} ms`);
      await new Promise<void>((resolve) => this.clock.setTimer(20, resolve));
    }
  }

  health(config: AutopilotConfig): OperatorHealth {
    return this.autopilot.health(config);
  }

  private mostCaughtUpVoter(voters: readonly NodeId[], self: NodeId): NodeId | undefined {
    const progress = this.log.status().progress;
    return voters.filter((voter) => voter !== self).sort((a, b) => (progress.get(b)?.match ?? 0) - (progress.get(a)?.match ?? 0))[0];
  }
}
