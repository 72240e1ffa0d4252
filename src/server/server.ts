// Server: the server role of an agent. Wires the state store, the FSM, the command log and the
// RPC handlers, and runs the leader's duties. In dev mode (and until the cluster issue) the log is
// the single-node in-process log and this server is always the leader.

import type { AclResolver } from '../acl/authorizer.js';
import { Fsm } from '../catalog/fsm.js';
import { StateStore } from '../catalog/store.js';
import type { Clock } from '../lib/clock.js';
import type { Random } from '../lib/random.js';
import type { RpcHandlers } from '../rpc/protocol.js';
import type { ServerContext } from './context.js';
import { catalogReadHandlers } from './endpoints/catalog-read.js';
import { catalogWriteHandlers } from './endpoints/catalog-write.js';
import { configEntryHandlers } from './endpoints/config-entries.js';
import { connectCaHandlers } from './endpoints/connect-ca.js';
import { intentionHandlers } from './endpoints/intentions.js';
import { healthHandlers } from './endpoints/health.js';
import { kvHandlers } from './endpoints/kv.js';
import { sessionHandlers } from './endpoints/session.js';
import { statusHandlers } from './endpoints/status.js';
import { txnHandlers } from './endpoints/txn.js';
import { InProcessLog } from './in-process-log.js';
import { ConnectCa, type ConnectCaOptions } from './leader/connect-ca.js';
import { reconcileSelf, type SelfMember } from './leader/reconcile-self.js';
import { MemberReconciler, type MemberSource } from './leader/reconcile-members.js';
import { SessionTimers } from './leader/session-ttl.js';
import { TombstoneGc } from './leader/tombstone-gc.js';
import { LockDelays } from './lock-delay.js';

export interface ServerOptions {
  readonly datacenter: string;
  readonly self: SelfMember;
  readonly clock: Clock;
  readonly random: Random;
  readonly acl: AclResolver;
  /** The mesh CA: created by the leader at start when enabled. Absent = disabled. */
  readonly connect?: ConnectCaOptions;
  /** Told of failures of the leader's own background writes (session expiry, tombstone reaping). */
  readonly onBackgroundError: (error: unknown, what: string) => void;
}

export class Server {
  readonly store = new StateStore();
  readonly fsm = new Fsm(this.store);
  readonly context: ServerContext;
  readonly handlers: RpcHandlers;
  readonly lockDelays: LockDelays;
  readonly sessionTimers: SessionTimers;
  readonly tombstoneGc: TombstoneGc;
  readonly connectCa: ConnectCa;
  /** The serfHealth duty, once the agent hands its LAN members over (followMembers). */
  private members: MemberReconciler | undefined;

  constructor(private readonly options: ServerOptions) {
    this.context = {
      store: this.store,
      log: new InProcessLog(this.fsm),
      clock: options.clock,
      random: options.random,
      acl: options.acl,
      datacenter: options.datacenter,
      rpcAddress: `${options.self.address}:${options.self.serverPort}`,
    };
    this.lockDelays = new LockDelays(options.clock);
    this.store.onLockDelay = ({ key, delayMs }) => this.lockDelays.start(key, delayMs);
    this.sessionTimers = new SessionTimers(this.context, (error, id) => options.onBackgroundError(error, `expiring session ${id}`));
    this.tombstoneGc = new TombstoneGc(this.context, (error) => options.onBackgroundError(error, 'reaping KV tombstones'));
    this.connectCa = new ConnectCa(this.context, options.connect ?? { enabled: false, initialConfig: {} });
    this.handlers = {
      ...catalogWriteHandlers(this.context),
      ...catalogReadHandlers(this.context),
      ...healthHandlers(this.context),
      ...kvHandlers(this.context, this.lockDelays),
      ...sessionHandlers(this.context, this.sessionTimers),
      ...txnHandlers(this.context, this.lockDelays),
      ...statusHandlers(this.context),
      ...connectCaHandlers(this.context, this.connectCa),
      ...configEntryHandlers(this.context),
      ...intentionHandlers(this.context),
    };
  }

  /** Becomes leader of its one-node cluster, registers itself in the catalog, creates the CA if needed and starts the leader's timers. */
  async start(): Promise<void> {
    await reconcileSelf(this.context, this.options.self);
    await this.connectCa.initialize();
    this.sessionTimers.start();
    this.tombstoneGc.start();
  }

  /** The leader keeps a serfHealth check per LAN member in the catalog (leader/reconcile-members.ts). */
  followMembers(source: MemberSource): void {
    this.members?.stop();
    this.members = new MemberReconciler(this.context, source, this.options.self.nodeName, (error) => this.options.onBackgroundError(error, 'reconciling LAN members'));
    this.members.start();
  }

  /** Stops the leader's timers (session TTLs, tombstone GC, member reconciliation). */
  stop(): void {
    this.members?.stop();
    this.sessionTimers.stop();
    this.tombstoneGc.stop();
  }
}
