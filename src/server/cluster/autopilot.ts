// Autopilot, run by the leader every autopilotIntervalMs (Consul's autopilot library, simplified to
// one membership change per round, as Raft changes membership one step at a time):
//
//   1. health: a server is healthy when the leader heard from it within LastContactThreshold and
//      it trails the leader's log by at most MaxTrailingLogs; StableSince marks the last flip;
//   2. join: a server that said hello recently and is not in the configuration is added as a
//      non-voter (learner): it receives the log without counting towards quorum;
//   3. promote: a non-voter healthy for ServerStabilizationTime becomes a voter;
//   4. cleanup (CleanupDeadServers): a voter not heard from for autopilotDeadServerMs is removed,
//      never below MinQuorum voters nor when that would leave fewer healthy voters than a quorum.
//      A removed server that comes back says hello and goes through 2 and 3 again.

import type { Clock, Timer } from '../../lib/clock.js';
import { formatGoDuration } from '../../lib/duration.js';
import { limits } from '../../lib/limits.js';
import type { NodeId } from '../../raft/messages.js';
import type { AutopilotConfig } from '../../structs/autopilot.js';
import type { OperatorHealth, ServerHealth } from '../../structs/operator.js';
import { consulVersion } from '../../version.js';
import type { PeerBook } from './peer-book.js';
import type { RaftLog } from './raft-log.js';

interface Stability {
  healthy: boolean;
  /** Wall-clock ms of the last flip. */
  sinceMs: number;
}

export class Autopilot {
  private readonly stability = new Map<NodeId, Stability>();
  /** Monotonic time of each server's last hello. */
  private readonly hellos = new Map<NodeId, number>();
  private timer: Timer | undefined;
  private running = false;

  constructor(
    private readonly log: RaftLog,
    private readonly book: PeerBook,
    private readonly clock: Clock,
    private readonly config: () => AutopilotConfig,
    private readonly onError: (error: unknown) => void,
  ) {}

  heard(id: NodeId): void {
    this.hellos.set(id, this.clock.monotonicMs());
  }

  /** A server was removed: only a hello it sends from now on brings it back. */
  forget(id: NodeId): void {
    this.hellos.delete(id);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stability.clear();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
  }

  /** Every server's health as this leader sees it now. */
  health(config: AutopilotConfig): OperatorHealth {
    const status = this.log.status();
    const { voters, learners } = status.config;
    const servers = [...voters, ...learners].map((id) => this.serverHealth(id, voters.includes(id), config, status.lastIndex, status.term));
    const healthyVoters = servers.filter((server) => server.Voter && server.Healthy).length;
    const quorum = Math.floor(voters.length / 2) + 1;
    return { Healthy: servers.every((server) => server.Healthy), FailureTolerance: Math.max(0, healthyVoters - quorum), Servers: servers };
  }

  private serverHealth(id: NodeId, voter: boolean, config: AutopilotConfig, leaderLastIndex: number, term: number): ServerHealth {
    const info = this.book.get(id);
    const isLeader = id === this.log.leaderId();
    const lastContactMs = this.log.peerLastContactMs(id);
    const match = isLeader ? leaderLastIndex : (this.log.status().progress.get(id)?.match ?? 0);
    const healthy = lastContactMs <= config.LastContactThresholdMs && match + config.MaxTrailingLogs >= leaderLastIndex;
    const nowMs = this.clock.nowMs();
    let stability = this.stability.get(id);
    if (stability === undefined || stability.healthy !== healthy) this.stability.set(id, (stability = { healthy, sinceMs: nowMs }));
    return {
      ID: info?.id ?? String(id),
      Name: info?.name ?? '',
      Address: info?.address ?? '',
      SerfStatus: Number.isFinite(lastContactMs) && lastContactMs < limits.autopilotDeadServerMs ? 'alive' : 'failed',
      Version: consulVersion,
      Leader: isLeader,
      LastContact: Number.isFinite(lastContactMs) ? formatGoDuration(Math.round(lastContactMs)) : 'never',
      LastTerm: term,
      LastIndex: match,
      Healthy: healthy,
      Voter: voter,
      StableSince: new Date(stability.sinceMs).toISOString(),
    };
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimer(limits.autopilotIntervalMs, () => {
      this.round().then(
        () => this.schedule(),
        (error: unknown) => {
          this.onError(error);
          this.schedule();
        },
      );
    });
  }

  /** One round: at most one membership change. */
  private async round(): Promise<void> {
    if (!this.running || !this.log.isLeader()) return;
    const config = this.config();
    const health = this.health(config);
    const { voters, learners } = this.log.membership();
    const members = new Set([...voters, ...learners]);
    const nowMonotonic = this.clock.monotonicMs();
    for (const [id, at] of this.hellos) {
      if (members.has(id) || nowMonotonic - at > limits.autopilotHelloFreshMs) continue;
      await this.log.changeMembership({ type: 'addLearner', node: id });
      return;
    }
    for (const id of learners) {
      const stability = this.stability.get(id);
      if (stability?.healthy === true && this.clock.nowMs() - stability.sinceMs >= config.ServerStabilizationTimeMs) {
        await this.log.changeMembership({ type: 'addVoter', node: id });
        return;
      }
    }
    if (config.CleanupDeadServers) await this.removeOneDeadVoter(voters, health, config);
  }

  private async removeOneDeadVoter(voters: readonly NodeId[], health: OperatorHealth, config: AutopilotConfig): Promise<void> {
    const dead = voters.filter((id) => id !== this.log.leaderId() && this.log.peerLastContactMs(id) > limits.autopilotDeadServerMs);
    if (dead.length === 0) return;
    const remaining = voters.length - 1;
    const healthyVoters = health.Servers.filter((server) => server.Voter && server.Healthy).length;
    const quorumAfter = Math.floor(remaining / 2) + 1;
    if (remaining < Math.max(config.MinQuorum, 1) || healthyVoters < quorumAfter) return;
    const id = dead[0] as NodeId;
    this.forget(id);
    await this.log.changeMembership({ type: 'removeNode', node: id });
  }
}
