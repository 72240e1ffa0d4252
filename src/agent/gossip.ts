// The agent's LAN gossip pool (Consul's serfLAN): every agent joins it on ports.serf_lan with
// Consul's tags, joins the addresses of -join at start and retries -retry-join in the background,
// carries user events, and leaves gracefully on shutdown. The pool itself is src/gossip/driver.
//
//   start: keyring (data dir's serf/local.keyring, else -encrypt) → pool bound → -join (fails the
//          start if none answers, as Consul) → -retry-join loop (every -retry-interval, -retry-max)
//   stop:  retry loop cancelled → leave (bounded drain) → sockets closed

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { Packr, Unpackr } from 'msgpackr';
import type { Logger } from 'pino';
import { wanOverrides } from '../gossip/index.js';
import { GossipPool, Keyring, memberStatusCodes, type Encryption, type KeyringOp, type KeyringResult, type PoolMember, type RosterEvent } from '../gossip/driver/index.js';
import type { Clock, Timer } from '../lib/clock.js';
import { badRequest, TaxiwayError } from '../lib/errors.js';
import type { Random } from '../lib/random.js';
import type { UserEvent } from '../structs/event.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import { type AgentMemberJson, agentMember, memberTags } from './self.js';
import type { LanMember, MemberSource } from '../server/leader/reconcile-members.js';

export interface AgentGossipDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly nodeId: string;
  /** A user event gossiped to this agent (filters not yet applied). */
  readonly onUserEvent: (event: UserEvent) => void;
}

export function memberJson(member: PoolMember): AgentMemberJson {
  const colon = member.address.lastIndexOf(':');
  return agentMember(member.name, member.address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), Number(member.address.slice(colon + 1)), { ...member.meta }, memberStatusCodes[member.status]);
}

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** The gossip payload of a user event: the event without its Lamport time (Consul's UserEvent). */
export function encodeUserEvent(event: UserEvent, payload: Buffer | null): Uint8Array {
  return packr.pack([event.ID, payload ?? new Uint8Array(), event.NodeFilter, event.ServiceFilter, event.TagFilter, event.Version]);
}

export function decodeUserEvent(name: string, lamportTime: number, bytes: Uint8Array): UserEvent | undefined {
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 6) return undefined;
  const [id, payload, nodeFilter, serviceFilter, tagFilter, version] = value as unknown[];
  if (typeof id !== 'string' || typeof nodeFilter !== 'string' || typeof serviceFilter !== 'string' || typeof tagFilter !== 'string') return undefined;
  if (!(payload instanceof Uint8Array) || typeof version !== 'number') return undefined;
  const Payload = payload.length === 0 ? null : Buffer.from(payload).toString('base64');
  return { ID: id, Name: name, Payload, NodeFilter: nodeFilter, ServiceFilter: serviceFilter, TagFilter: tagFilter, Version: version, LTime: lamportTime };
}

function lanMember(member: PoolMember): LanMember {
  const { Addr } = memberJson(member);
  return { name: member.name, address: Addr, status: member.status, tags: member.meta };
}

function keyringPath(config: RuntimeConfig): string | undefined {
  return config.dataDir === '' || config.devMode ? undefined : joinPath(config.dataDir, 'serf', 'local.keyring');
}

/** Consul's rule: a keyring file in the data dir wins over -encrypt (keys rotated since start survive restarts). */
async function loadKeyring(config: RuntimeConfig, logger: Logger): Promise<Keyring | undefined> {
  const path = keyringPath(config);
  if (path !== undefined) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      const keys = JSON.parse(text) as string[];
      if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${path}: expected a JSON array of base64 keys`);
      if (config.encryptKey !== '') logger.warn(`loaded the gossip keyring from ${path}; the encrypt key in the configuration is ignored`);
      return Keyring.fromBase64(keys[0]!, keys.slice(1));
    }
  }
  return config.encryptKey === '' ? undefined : Keyring.fromBase64(config.encryptKey);
}

/** "ip" → "ip:port"; "ip:port" and "[ip6]:port" as they are; a bare IPv6 gets brackets. */
export function withPort(address: string, port: number): string {
  if (/^\[.*\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address)) return address;
  return address.includes(':') ? `[${address.replace(/^\[(.*)\]$/, '$1')}]:${port}` : `${address}:${port}`;
}

interface JoinPlan {
  readonly pool: GossipPool;
  readonly what: 'LAN' | 'WAN';
  readonly port: number;
  readonly startJoin: readonly string[];
  readonly retryJoin: readonly string[];
  readonly retryIntervalMs: number;
  readonly retryMaxAttempts: number;
}

/** Joins through the addresses ("ip", "ip:port"); throws unless at least one answered. */
async function joinPool(plan: JoinPlan, addresses: readonly string[]): Promise<number> {
  const { joined, errors } = await plan.pool.join(addresses.map((address) => withPort(address, plan.port)));
  if (joined === 0) throw new TaxiwayError('internal', `failed to join any nodes: ${errors.join('; ')}`);
  return joined;
}

export class AgentGossip {
  private readonly retryTimers = new Set<Timer>();
  private stopped = false;
  private readonly listeners = new Set<(member: LanMember, reaped: boolean) => void>();

  private constructor(
    readonly lan: GossipPool,
    /** Servers only (and only with ports.serf_wan on): the servers of every datacenter. */
    readonly wan: GossipPool | undefined,
    private readonly config: RuntimeConfig,
    private readonly deps: AgentGossipDeps,
  ) {}

  static async start(config: RuntimeConfig, deps: AgentGossipDeps): Promise<AgentGossip> {
    const keyring = await loadKeyring(config, deps.logger);
    // One keyring object for both pools: a keyring operation changes both at once.
    const encryption: Encryption = { keyring, verifyIncoming: config.encryptVerifyIncoming, verifyOutgoing: config.encryptVerifyOutgoing };
    const holder: { gossip?: AgentGossip } = {};
    const common = { bindHost: config.bindAddr, meta: memberTags(config, deps.nodeId), encryption, clock: deps.clock, random: deps.random, onKeyringChange: () => void holder.gossip?.saveKeyring() };
    const lan = await GossipPool.start({
      ...common,
      name: config.nodeName,
      port: config.ports.serfLan,
      advertiseHost: config.advertiseAddrLan,
      timing: config.gossipLan,
      onEvent: (event) => holder.gossip?.memberChanged(event),
      onUserEvent: (delivery) => {
        const event = decodeUserEvent(delivery.name, delivery.lamportTime, delivery.payload);
        if (event === undefined) deps.logger.warn({ name: delivery.name }, 'dropped a malformed user event');
        else deps.onUserEvent(event);
      },
    });
    const wanWanted = config.serverMode && config.ports.serfWan > 0;
    const wanTiming = { ...wanOverrides, ...config.gossipWan };
    const wan = wanWanted
      ? await GossipPool.start({ ...common, name: `${config.nodeName}.${config.datacenter}`, port: config.ports.serfWan, advertiseHost: config.advertiseAddrWan, timing: wanTiming }).catch(async (error: unknown) => {
          await lan.close();
          throw error;
        })
      : undefined;
    const gossip = new AgentGossip(lan, wan, config, deps);
    holder.gossip = gossip;
    for (const plan of gossip.joinPlans()) {
      if (plan.startJoin.length === 0) continue;
      try {
        deps.logger.info({ joined: await joinPool(plan, plan.startJoin) }, `joined the ${plan.what} pool`);
      } catch (error) {
        await gossip.stop();
        throw error;
      }
    }
    for (const plan of gossip.joinPlans()) if (plan.retryJoin.length > 0) gossip.retryJoin(plan, 1);
    return gossip;
  }

  private joinPlans(): JoinPlan[] {
    const c = this.config;
    const plans: JoinPlan[] = [{ pool: this.lan, what: 'LAN', port: c.ports.serfLan, startJoin: c.startJoin, retryJoin: c.retryJoin, retryIntervalMs: c.retryIntervalMs, retryMaxAttempts: c.retryMaxAttempts }];
    if (this.wan !== undefined) {
      plans.push({ pool: this.wan, what: 'WAN', port: c.ports.serfWan, startJoin: c.startJoinWan, retryJoin: c.retryJoinWan, retryIntervalMs: c.retryIntervalWanMs, retryMaxAttempts: c.retryMaxAttemptsWan });
    }
    return plans;
  }

  /** Joins the LAN pool (or, `wan`, the WAN pool of a server) through the addresses. */
  join(addresses: readonly string[], wan = false): Promise<number> {
    const plan = this.joinPlans().find((candidate) => candidate.what === (wan ? 'WAN' : 'LAN'));
    if (plan === undefined) throw badRequest('WAN join is only available on servers (with ports.serf_wan on)');
    return joinPool(plan, addresses);
  }

  private retryJoin(plan: JoinPlan, attempt: number): void {
    joinPool(plan, plan.retryJoin).then(
      (joined) => this.deps.logger.info({ joined, attempt }, `retry-join: joined the ${plan.what} pool`),
      (error: unknown) => {
        if (this.stopped) return;
        if (plan.retryMaxAttempts > 0 && attempt >= plan.retryMaxAttempts) {
          this.deps.logger.error({ attempt }, `retry-join ${plan.what}: giving up after ${attempt} attempts: ${(error as Error).message}`);
          return;
        }
        this.deps.logger.warn({ attempt, retryIntervalMs: plan.retryIntervalMs }, `retry-join ${plan.what} failed: ${(error as Error).message}`);
        const timer = this.deps.clock.setTimer(plan.retryIntervalMs, () => {
          this.retryTimers.delete(timer);
          this.retryJoin(plan, attempt + 1);
        });
        this.retryTimers.add(timer);
      },
    );
  }

  /** LAN members, or with `wan` the WAN pool's (none on a client). */
  members(wan = false): AgentMemberJson[] {
    const pool = wan ? this.wan : this.lan;
    return pool === undefined ? [] : pool.members().map(memberJson);
  }

  async forceLeave(node: string, prune: boolean): Promise<void> {
    const inLan = await this.lan.forceLeave(node, prune);
    const inWan = this.wan === undefined ? false : await this.wan.forceLeave(node, prune);
    if (!inLan && !inWan) throw new TaxiwayError('not_found', `agent: No node found with name '${node}'`);
  }

  /** Gossips a user event (it comes back to this agent through deps.onUserEvent, like everyone's). */
  fireUserEvent(event: UserEvent, payload: Buffer | null): void {
    const result = this.lan.fireUserEvent(event.Name, encodeUserEvent(event, payload));
    if (result.type === 'rejected') throw badRequest(`user event rejected: ${result.reason}`);
  }

  /** A keyring operation on every member of each pool (each saves its keys in its data dir). */
  async keyring(op: KeyringOp, key: string): Promise<{ wan: boolean; result: KeyringResult }[]> {
    const answers = [{ wan: false, result: await this.lan.keyring(op, key) }];
    if (this.wan !== undefined) answers.unshift({ wan: true, result: await this.wan.keyring(op, key) });
    return answers;
  }

  /** Writes the keyring to the data dir's serf/local.keyring (no data dir: nothing to do). */
  async saveKeyring(): Promise<void> {
    const path = keyringPath(this.config);
    const keyring = this.lan.encryption.keyring;
    if (path === undefined || keyring === undefined) return;
    try {
      await mkdir(joinPath(path, '..'), { recursive: true });
      await writeFile(path, JSON.stringify(keyring.list()), { mode: 0o600 });
    } catch (error) {
      this.deps.logger.error({ err: error }, `cannot save the gossip keyring to ${path}`);
    }
  }

  /** The LAN members for the leader's serfHealth duty (reconcile-members.ts). */
  readonly memberSource: MemberSource = {
    members: () => this.lan.members().map(lanMember),
    subscribe: (listener) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  };

  private memberChanged(event: RosterEvent): void {
    for (const listener of this.listeners) listener(lanMember(event.member), event.type === 'reap');
  }

  /** Graceful leave of both pools, then close; also used by `PUT /v1/agent/leave`. */
  async leave(): Promise<void> {
    this.cancelRetries();
    await Promise.all([this.lan.leave(), this.wan?.leave()]);
    await this.stop();
  }

  /** Closes without a leave: the others will detect a failure (leave_on_terminate = false). */
  async stop(): Promise<void> {
    this.cancelRetries();
    await Promise.all([this.lan.close(), this.wan?.close()]);
  }

  private cancelRetries(): void {
    this.stopped = true;
    for (const timer of this.retryTimers) timer.cancel();
    this.retryTimers.clear();
  }
}
