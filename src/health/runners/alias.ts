// Alias checks, as Consul's CheckAlias: the check mirrors the health of another service (with the
// node checks of its node) or of a node (its node-level checks). Critical beats warning beats passing; an aliased
// service that does not exist is critical. A target on this agent is followed through local state
// (every change re-evaluates at once); a remote one through blocking queries on the catalog.

import type { Clock, Timer } from '../../lib/clock.js';
import { limits } from '../../lib/limits.js';
import type { RpcClient } from '../../rpc/protocol.js';
import type { CheckStatus } from '../../structs/check.js';
import type { CheckResult } from '../status.js';
import { errorText } from './runner.js';

export interface AliasTarget {
  /** "" = this agent's node. */
  readonly node: string;
  /** "" = the whole node. */
  readonly serviceId: string;
}

export interface AliasedCheck {
  readonly Name: string;
  readonly Status: CheckStatus;
  readonly Output: string;
  readonly ServiceID: string;
}

/** The alias's result from the target's checks (Consul's processChecks). */
export function aliasResult(target: AliasTarget, checks: readonly AliasedCheck[], serviceExists: boolean): CheckResult {
  let status: CheckStatus = 'passing';
  let output = 'No checks found.';
  for (const check of checks) {
    // A service alias counts that service's checks and the node's; a node alias only the node's.
    if (check.ServiceID !== '' && check.ServiceID !== target.serviceId) continue;
    if (check.Status === 'critical' || check.Status === 'warning') {
      status = check.Status;
      output = `Aliased check "${check.Name}" failing: ${check.Output}`;
      if (check.Status === 'critical') break;
    } else if (status === 'passing') {
      output = 'All checks passing.';
    }
  }
  if (target.serviceId !== '' && !serviceExists) {
    return { status: 'critical', output: `Service ${target.serviceId} could not be found on node ${target.node}` };
  }
  return { status, output };
}

export interface RemoteAliasDeps {
  readonly rpc: RpcClient;
  readonly clock: Clock;
  readonly datacenter: string;
  readonly token: string;
}

/**
 * Follows a node on another agent with blocking queries on its checks (and services, for a
 * service alias); errors are reported critical and retried after limits.aliasCheckPollMs.
 */
export class RemoteAliasWatch {
  private stopped = false;
  private retryTimer: Timer | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly target: AliasTarget,
    private readonly deps: RemoteAliasDeps,
    private readonly onResult: (result: CheckResult) => void,
  ) {
    void this.loop(0);
  }

  stop(): void {
    this.stopped = true;
    this.retryTimer?.cancel();
    this.abort.abort();
  }

  private async loop(index: number): Promise<void> {
    if (this.stopped) return;
    const options = { datacenter: this.deps.datacenter, token: this.deps.token, allowStale: true, requireConsistent: false, maxStaleMs: 0, filter: '' };
    try {
      const blocking = { ...options, minQueryIndex: index, maxQueryTimeMs: limits.aliasCheckPollMs };
      const checks = await this.deps.rpc.call('Health.NodeChecks', { ...blocking, node: this.target.node }, this.abort.signal);
      let serviceExists = true;
      if (this.target.serviceId !== '') {
        const services = await this.deps.rpc.call('Catalog.NodeServices', { ...options, minQueryIndex: 0, maxQueryTimeMs: 0, node: this.target.node }, this.abort.signal);
        serviceExists = services.value?.Services[this.target.serviceId] !== undefined;
      }
      if (this.stopped) return;
      this.onResult(aliasResult(this.target, checks.value, serviceExists));
      void this.loop(checks.meta.index);
    } catch (error) {
      if (this.stopped) return;
      this.onResult({ status: 'critical', output: `alias of ${this.target.serviceId || this.target.node}: ${errorText(error)}` });
      this.retryTimer = this.deps.clock.setTimer(limits.aliasCheckPollMs, () => void this.loop(0));
    }
  }
}
