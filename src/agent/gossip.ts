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
import { GossipPool, Keyring, memberStatusCodes, type Encryption, type KeyringOp, type KeyringResult, type PoolMember, type RosterEvent } from '../gossip/driver/index.js';
import type { Clock, Timer } from '../lib/clock.js';
import { badRequest, TaxiwayError } from '../lib/errors.js';
import type { Random } from '../lib/random.js';
import type { UserEvent } from '../structs/event.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import { memberTags } from './self.js';
import { protocolVersion } from '../version.js';
import type { LanMember, MemberSource } from '../server/leader/reconcile-members.js';

export interface AgentGossipDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly nodeId: string;
  /** A user event gossiped to this agent (filters not yet applied). */
  readonly onUserEvent: (event: UserEvent) => void;
}

/** One member as /v1/agent/members shows it (Consul's api.AgentMember). */
export interface AgentMemberJson {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

export function memberJson(member: PoolMember): AgentMemberJson {
  const colon = member.address.lastIndexOf(':');
  return {
    Name: member.name,
    Addr: member.address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    Port: Number(member.address.slice(colon + 1)),
    Tags: { ...member.meta },
    Status: memberStatusCodes[member.status],
    ProtocolMin: protocolVersion.min,
    ProtocolMax: protocolVersion.max,
    ProtocolCur: protocolVersion.current,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
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

export class AgentGossip {
  private retryTimer: Timer | undefined;
  private stopped = false;
  private readonly listeners = new Set<(member: LanMember, reaped: boolean) => void>();

  private constructor(
    readonly lan: GossipPool,
    private readonly config: RuntimeConfig,
    private readonly deps: AgentGossipDeps,
  ) {}

  static async start(config: RuntimeConfig, deps: AgentGossipDeps): Promise<AgentGossip> {
    const keyring = await loadKeyring(config, deps.logger);
    const encryption: Encryption = { keyring, verifyIncoming: config.encryptVerifyIncoming, verifyOutgoing: config.encryptVerifyOutgoing };
    const holder: { gossip?: AgentGossip } = {};
    const lan = await GossipPool.start({
      name: config.nodeName,
      bindHost: config.bindAddr,
      port: config.ports.serfLan,
      advertiseHost: config.advertiseAddrLan,
      meta: memberTags(config, deps.nodeId),
      timing: config.gossipLan,
      encryption,
      clock: deps.clock,
      random: deps.random,
      onEvent: (event) => holder.gossip?.memberChanged(event),
      onKeyringChange: () => void holder.gossip?.saveKeyring(),
      onUserEvent: (delivery) => {
        const event = decodeUserEvent(delivery.name, delivery.lamportTime, delivery.payload);
        if (event === undefined) deps.logger.warn({ name: delivery.name }, 'dropped a malformed user event');
        else deps.onUserEvent(event);
      },
    });
    const gossip = new AgentGossip(lan, config, deps);
    holder.gossip = gossip;
    if (config.startJoin.length > 0) {
      const joined = await gossip.join(config.startJoin).catch(async (error: unknown) => {
        await lan.close();
        throw error;
      });
      deps.logger.info({ joined }, 'joined the LAN pool');
    }
    if (config.retryJoin.length > 0) gossip.retryJoin(1);
    return gossip;
  }

  /** Joins through the addresses ("ip", "ip:port"); throws unless at least one answered. */
  async join(addresses: readonly string[]): Promise<number> {
    const { joined, errors } = await this.lan.join(addresses.map((address) => withPort(address, this.config.ports.serfLan)));
    if (joined === 0) throw new TaxiwayError('internal', `failed to join any nodes: ${errors.join('; ')}`);
    return joined;
  }

  private retryJoin(attempt: number): void {
    const { retryJoin, retryIntervalMs, retryMaxAttempts } = this.config;
    this.join(retryJoin).then(
      (joined) => this.deps.logger.info({ joined, attempt }, 'retry-join: joined the LAN pool'),
      (error: unknown) => {
        if (this.stopped) return;
        if (retryMaxAttempts > 0 && attempt >= retryMaxAttempts) {
          this.deps.logger.error({ attempt }, `retry-join: giving up after ${attempt} attempts: ${(error as Error).message}`);
          return;
        }
        this.deps.logger.warn({ attempt, retryIntervalMs }, `retry-join failed: ${(error as Error).message}`);
        this.retryTimer = this.deps.clock.setTimer(retryIntervalMs, () => this.retryJoin(attempt + 1));
      },
    );
  }

  members(): AgentMemberJson[] {
    return this.lan.members().map(memberJson);
  }

  forceLeave(node: string, prune: boolean): void {
    if (!this.lan.forceLeave(node, prune)) throw new TaxiwayError('not_found', `agent: No node found with name '${node}'`);
  }

  /** Gossips a user event (it comes back to this agent through deps.onUserEvent, like everyone's). */
  fireUserEvent(event: UserEvent, payload: Buffer | null): void {
    const result = this.lan.fireUserEvent(event.Name, encodeUserEvent(event, payload));
    if (result.type === 'rejected') throw badRequest(`user event rejected: ${result.reason}`);
  }

  /** A keyring operation on every member (each saves its keys in its data dir). */
  keyring(op: KeyringOp, key: string): Promise<KeyringResult> {
    return this.lan.keyring(op, key);
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

  /** Graceful leave then close; also used by `PUT /v1/agent/leave`. */
  async leave(): Promise<void> {
    this.stopped = true;
    this.retryTimer?.cancel();
    await this.lan.leave();
    await this.lan.close();
  }

  /** Closes without a leave: the others will detect a failure (leave_on_terminate = false). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.retryTimer?.cancel();
    await this.lan.close();
  }
}
