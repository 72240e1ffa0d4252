// KVS.*: the KV endpoint of the server. Writes are checked here (key present, lock-delay) and
// proposed as one command; reads run as blocking queries over reads/kv.ts.

import { enforce } from '../../acl/authorizer.js';
import { CommandType } from '../../catalog/commands.js';
import { kvGet, kvKeys, kvList } from '../../catalog/reads/kv.js';
import { badRequest } from '../../lib/errors.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import type { ServerContext } from '../context.js';
import type { LockDelays } from '../lock-delay.js';
import { checkDatacenter, runQuery } from '../query.js';

type KvHandlers = Pick<RpcHandlers, 'KVS.Apply' | 'KVS.Get' | 'KVS.List' | 'KVS.ListKeys'>;

export function kvHandlers(context: ServerContext, lockDelays: LockDelays): KvHandlers {
  return {
    'KVS.Apply': async (args) => {
      checkDatacenter(context, args.datacenter);
      const { write } = args;
      if (write.key === '' && write.verb !== 'delete-tree') throw badRequest('Must provide key');
      enforce(context.acl.resolve(args.token), { kind: 'key', name: write.key }, 'write');
      // Lock-delay is wall-clock state of this server, so it is checked before the log, never in it.
      if (write.verb === 'lock' && lockDelays.isDelayed(write.key)) return false;
      return (await context.log.propose({ type: CommandType.KvWrite, write })) as boolean;
    },
    'KVS.Get': (args, signal) =>
      runQuery(context, args, signal, (watch) => {
        const { index, value } = kvGet(context.store, watch, args.key);
        return { index, value: value === undefined ? [] : [value] };
      }),
    'KVS.List': (args, signal) => runQuery(context, args, signal, (watch) => kvList(context.store, watch, args.prefix)),
    'KVS.ListKeys': (args, signal) => runQuery(context, args, signal, (watch) => kvKeys(context.store, watch, args.prefix, args.separator)),
  };
}
