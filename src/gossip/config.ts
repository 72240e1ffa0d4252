// SwimConfig: the tunables of the SWIM core, in milliseconds, with memberlist's DefaultLANConfig
// (config.go) as the default. Relationships are checked once, at construction.

import type { Address, MemberMeta } from './messages.js';

export interface SwimConfig {
  /** This member's unique name and the address others reach it at. */
  name: string;
  address: Address;
  meta: MemberMeta;
  /** One member is probed per interval, round-robin over a shuffled list (SWIM's protocol period). */
  probeIntervalMs: number;
  /** Wait for a direct ack before asking `indirectChecks` peers; must leave time for them within the interval. */
  probeTimeoutMs: number;
  /** Peers asked to probe on our behalf (SWIM's k). */
  indirectChecks: number;
  /** Ask the driver for a TCP ping alongside the indirect probes (catches UDP-only loss). */
  tcpFallbackProbe: boolean;
  /** A broadcast is sent retransmitMult × ceil(log10(n+1)) times. */
  retransmitMult: number;
  /** Suspicion lasts at least suspicionMult × max(1, log10(n)) × probe interval. */
  suspicionMult: number;
  /** Lifeguard: a suspicion with no confirmations lasts suspicionMaxTimeoutMult × the minimum. */
  suspicionMaxTimeoutMult: number;
  /** Piggyback-free gossip rounds: every interval, broadcasts go to `gossipNodes` random members. */
  gossipIntervalMs: number;
  gossipNodes: number;
  /** Dead members still receive gossip (and are kept before reaping) for this long. */
  gossipToTheDeadMs: number;
  /** Full state sync with one random member (scaled up past 32 members); 0 disables it. */
  pushPullIntervalMs: number;
  /** Lifeguard local health: timeouts are stretched up to this multiple while we look unhealthy. */
  awarenessMaxMultiplier: number;
  /**
   * Serf's reconnect: every interval, a push-pull with one random failed member, so two sides of a
   * partition that declared each other dead (and reaped each other) find each other again.
   */
  reconnectIntervalMs: number;
  /** Failed members are tried for this long, then given up on (Serf's ReconnectTimeout). */
  reconnectTimeoutMs: number;
}

/** memberlist's DefaultLANConfig, with Serf's reconnect settings (Consul's 72 h reconnect timeout). */
export const lanDefaults = {
  probeIntervalMs: 1_000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  tcpFallbackProbe: true,
  retransmitMult: 4,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  pushPullIntervalMs: 30_000,
  awarenessMaxMultiplier: 8,
  reconnectIntervalMs: 30_000,
  reconnectTimeoutMs: 72 * 60 * 60_000,
} as const;

/** memberlist's DefaultWANConfig changes to the LAN defaults: slower, more tolerant (Consul's WAN pool of servers). */
export const wanOverrides = {
  probeIntervalMs: 5_000,
  probeTimeoutMs: 3_000,
  suspicionMult: 6,
  pushPullIntervalMs: 60_000,
  gossipNodes: 4,
  gossipIntervalMs: 500,
  gossipToTheDeadMs: 60_000,
} as const;

export class SwimConfigError extends Error {
  override readonly name = 'SwimConfigError';
}

/** Throws SwimConfigError naming the first setting that is out of range. */
export function validateSwimConfig(config: SwimConfig): void {
  const fail = (message: string): never => {
    throw new SwimConfigError(message);
  };
  if (config.name.length === 0) fail('name is empty');
  if (config.address.length === 0) fail('address is empty');
  const positive: (keyof SwimConfig)[] = ['probeIntervalMs', 'probeTimeoutMs', 'retransmitMult', 'suspicionMult', 'gossipIntervalMs', 'awarenessMaxMultiplier'];
  for (const key of positive) {
    const value = config[key];
    if (typeof value !== 'number' || !(value > 0)) fail(`${key} must be positive`);
  }
  if (config.probeTimeoutMs >= config.probeIntervalMs) fail('probeTimeoutMs must be below probeIntervalMs (indirect probes need the rest)');
  if (config.suspicionMaxTimeoutMult < 1) fail('suspicionMaxTimeoutMult must be at least 1');
  if (config.indirectChecks < 0 || config.gossipNodes < 0) fail('indirectChecks and gossipNodes must not be negative');
  if (config.pushPullIntervalMs < 0 || config.gossipToTheDeadMs < 0 || config.reconnectIntervalMs < 0 || config.reconnectTimeoutMs < 0) fail('intervals must not be negative');
}
