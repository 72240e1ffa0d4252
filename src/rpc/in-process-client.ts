// The RPC client of an agent that is itself the server (dev mode and single-server clusters):
// calls go straight to the server's handlers, in the same process, with the same types.

import type { RpcArgs, RpcClient, RpcHandlers, RpcMethod, RpcReply } from './protocol.js';

export class InProcessClient implements RpcClient {
  constructor(private readonly handlers: RpcHandlers) {}

  call<M extends RpcMethod>(method: M, args: RpcArgs<M>, signal?: AbortSignal): Promise<RpcReply<M>> {
    const handler = this.handlers[method] as (args: RpcArgs<M>, signal?: AbortSignal) => Promise<RpcReply<M>>;
    return handler(args, signal);
  }
}
