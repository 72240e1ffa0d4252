// The server side of RPC over the wire (src/rpc/wire-rpc.ts): calls from client agents and
// forwards from other servers arrive on the RPC port's 'rpc' protocol and go to the router.

import { TaxiwayError } from '../../lib/errors.js';
import type { RpcMethod } from '../../rpc/protocol.js';
import { isRpcFrame, rpcProtocolVersion } from '../../rpc/wire-rpc.js';
import type { ProtocolService } from '../../rpc/wire/wire-server.js';
import type { RpcRouter } from './router.js';

export function rpcService(router: RpcRouter): ProtocolService {
  return {
    versionMin: rpcProtocolVersion,
    versionMax: rpcProtocolVersion,
    handlers: {
      call: (method, body) => {
        if (!isRpcFrame(body)) return Promise.reject(new TaxiwayError('bad_request', `RPC ${method}: malformed request frame`));
        return router.route(method as RpcMethod, body.args, body.hops);
      },
      message: () => undefined,
    },
  };
}
