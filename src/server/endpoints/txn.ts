// Txn.Apply and Txn.Read. Each operation is checked before the log (key present, lock-delay,
// ACL); failures come back per operation, as Consul's 409 answer lists them, and nothing is
// proposed. A transaction of reads only is answered from the local state without a log entry.

import { type Authorizer, enforce } from '../../acl/authorizer.js';
import { CommandType } from '../../catalog/commands.js';
import { readTxn } from '../../catalog/tables/txn.js';
import { isTaxiwayError } from '../../lib/errors.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import type { TxnError, TxnOp, TxnOutcome } from '../../structs/txn.js';
import type { ServerContext } from '../context.js';
import type { LockDelays } from '../lock-delay.js';
import { checkDatacenter, runQuery } from '../query.js';

type TxnHandlers = Pick<RpcHandlers, 'Txn.Apply' | 'Txn.Read'>;

/** Why an operation may not run, or undefined when it may. */
function precheck(op: TxnOp, authorizer: Authorizer, lockDelays: LockDelays): string | undefined {
  try {
    switch (op.kind) {
      case 'kv': {
        if (op.key === '' && op.verb !== 'delete-tree' && op.verb !== 'get-tree') return 'Must provide key';
        const write = op.verb !== 'get' && op.verb !== 'get-tree' && !op.verb.startsWith('check-');
        enforce(authorizer, { kind: 'key', name: op.key }, write ? 'write' : 'read');
        if (op.verb === 'lock' && lockDelays.isDelayed(op.key)) return `failed to lock key ${JSON.stringify(op.key)} due to lock delay`;
        return undefined;
      }
      case 'node':
        enforce(authorizer, { kind: 'node', name: op.node.Node }, op.verb === 'get' ? 'read' : 'write');
        return undefined;
      case 'service':
        enforce(authorizer, { kind: 'service', name: op.service.Service }, op.verb === 'get' ? 'read' : 'write');
        return undefined;
      case 'check':
        enforce(authorizer, { kind: 'node', name: op.check.Node }, op.verb === 'get' ? 'read' : 'write');
        return undefined;
      case 'session':
        enforce(authorizer, { kind: 'session', name: op.id }, 'write');
        return undefined;
    }
  } catch (error) {
    if (isTaxiwayError(error)) return error.message;
    throw error;
  }
}

function precheckAll(context: ServerContext, token: string, ops: readonly TxnOp[], lockDelays: LockDelays): TxnOutcome | undefined {
  const authorizer = context.acl.resolve(token);
  const errors: TxnError[] = [];
  ops.forEach((op, opIndex) => {
    const what = precheck(op, authorizer, lockDelays);
    if (what !== undefined) errors.push({ OpIndex: opIndex, What: what });
  });
  return errors.length > 0 ? { results: null, errors } : undefined;
}

export function txnHandlers(context: ServerContext, lockDelays: LockDelays): TxnHandlers {
  return {
    'Txn.Apply': async (args) => {
      checkDatacenter(context, args.datacenter);
      const refused = precheckAll(context, args.token, args.ops, lockDelays);
      if (refused !== undefined) return refused;
      return (await context.log.propose({ type: CommandType.Txn, ops: args.ops })) as TxnOutcome;
    },
    'Txn.Read': async (args, signal) => {
      const refused = precheckAll(context, args.token, args.ops, lockDelays);
      // A transaction of reads does not block (Consul's Txn.Read): it runs once.
      const options = { ...args, minQueryIndex: 0 };
      return runQuery(context, options, signal, () => ({ index: context.store.lastIndex, value: refused ?? readTxn(context.store, args.ops) }));
    },
  };
}
