// The RPC client of a client agent that knows no server yet: every call fails with Consul's
// "No known Consul servers", so agent-local endpoints keep working while catalog reads say why
// they cannot. The cluster issue replaces it with the pooled client that joins servers.

import { TaxiwayError } from '../lib/errors.js';
import type { RpcClient, RpcReply, RpcMethod } from './protocol.js';

export class NoServersClient implements RpcClient {
  call<M extends RpcMethod>(): Promise<RpcReply<M>> {
    return Promise.reject(new TaxiwayError('no_servers', 'No known Consul servers'));
  }
}
