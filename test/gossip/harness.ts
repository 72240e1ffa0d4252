// A hand-driven network of SwimCores for unit tests: packets are queued, not delivered, until the
// test says so, so each protocol step can be observed and packets dropped at will.

import { SeededRandom } from '../../src/lib/random.js';
import { decodePacket, lanDefaults, SwimCore, type GossipMessage, type MemberEvent, type SwimConfig, type SwimReady } from '../../src/gossip/index.js';

export interface Sent {
  from: string;
  to: string;
  bytes: Uint8Array;
  messages: GossipMessage[];
}

export function config(name: string, overrides: Partial<SwimConfig> = {}): SwimConfig {
  return { ...lanDefaults, name, address: name, meta: {}, pushPullIntervalMs: 0, reconnectIntervalMs: 0, ...overrides };
}

export class TestNet {
  nowMs = 0;
  readonly cores = new Map<string, SwimCore>();
  readonly inFlight: Sent[] = [];
  readonly events: (MemberEvent & { observer: string })[] = [];
  readonly effects = new Map<string, SwimReady[]>();

  constructor(names: string[], overrides: Partial<SwimConfig> = {}) {
    names.forEach((name, i) => this.cores.set(name, new SwimCore(config(name, overrides), new SeededRandom(i + 1), 0)));
    const roster = names.map((name) => ({ name, address: name, meta: {}, incarnation: 1, state: 'alive' as const }));
    for (const core of this.cores.values()) core.seed(roster);
    this.collect();
  }

  core(name: string): SwimCore {
    const core = this.cores.get(name);
    if (core === undefined) throw new Error(name);
    return core;
  }

  /** Moves the clock and ticks every core, or only `only`. */
  advance(toMs: number, only?: string[]): void {
    this.nowMs = toMs;
    for (const [name, core] of this.cores) if (only === undefined || only.includes(name)) core.tick(toMs);
    this.collect();
  }

  /** Delivers queued packets matching `filter` (default: all), dropping those to `dead` members. */
  deliver(dead: string[] = [], filter: (s: Sent) => boolean = () => true): number {
    let delivered = 0;
    for (let round = 0; round < 20; round++) {
      const batch = this.inFlight.filter(filter);
      if (batch.length === 0) break;
      for (const s of batch) this.inFlight.splice(this.inFlight.indexOf(s), 1);
      for (const s of batch) {
        if (dead.includes(s.to) || dead.includes(s.from)) continue;
        this.core(s.to).step(s.from, s.bytes, this.nowMs);
        delivered += 1;
      }
      this.collect();
    }
    return delivered;
  }

  /** Drops every queued packet. */
  dropAll(): void {
    this.inFlight.length = 0;
  }

  /** The queued messages of one type (unwrapped from their packets). */
  queued(type: GossipMessage['type']): (GossipMessage & { from: string; to: string })[] {
    return this.inFlight.flatMap((s) => s.messages.filter((m) => m.type === type).map((m) => ({ ...m, from: s.from, to: s.to })));
  }

  lastEffects(name: string): SwimReady[] {
    return this.effects.get(name) ?? [];
  }

  private collect(): void {
    for (const [name, core] of this.cores) {
      if (!core.hasReady()) continue;
      const ready = core.ready();
      const list = this.effects.get(name) ?? [];
      list.push(ready);
      this.effects.set(name, list);
      for (const p of ready.packets) {
        const decoded = decodePacket(p.bytes);
        if (decoded.type !== 'ok') throw new Error(`core sent a bad packet: ${decoded.reason}`);
        this.inFlight.push({ from: name, to: p.to, bytes: p.bytes, messages: decoded.value });
      }
      for (const e of ready.memberEvents) this.events.push({ ...e, observer: name });
    }
  }
}
