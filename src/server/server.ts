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
import { healthHandlers } from './endpoints/health.js';
import { statusHandlers } from './endpoints/status.js';
import { InProcessLog } from './in-process-log.js';
import { reconcileSelf, type SelfMember } from './leader/reconcile-self.js';

export interface ServerOptions {
  readonly datacenter: string;
  readonly self: SelfMember;
  readonly clock: Clock;
  readonly random: Random;
  readonly acl: AclResolver;
}

export class Server {
  readonly store = new StateStore();
  readonly fsm = new Fsm(this.store);
  readonly context: ServerContext;
  readonly handlers: RpcHandlers;

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
    this.handlers = {
      ...catalogWriteHandlers(this.context),
      ...catalogReadHandlers(this.context),
      ...healthHandlers(this.context),
      ...statusHandlers(this.context),
    };
  }

  /** Becomes leader of its one-node cluster and registers itself in the catalog. */
  async start(): Promise<void> {
    await reconcileSelf(this.context, this.options.self);
  }
}
