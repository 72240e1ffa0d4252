// Operator.*: the Raft configuration (list, remove a peer, transfer leadership) and autopilot
// (configuration, server health). Consul: agent/consul/operator_raft_endpoint.go and
// operator_autopilot_endpoint.go. Every call needs operator permission.

import { enforce } from '../../acl/authorizer.js';
import { CommandType } from '../../catalog/commands.js';
import { autopilotConfig } from '../../catalog/tables/autopilot.js';
import { badRequest } from '../../lib/errors.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import { watchKeys } from '../../catalog/watch.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter, runQuery } from '../query.js';
import type { RaftOperator } from '../raft-operator.js';

type OperatorHandlers = Pick<
  RpcHandlers,
  | 'Operator.RaftGetConfiguration'
  | 'Operator.RaftRemovePeer'
  | 'Operator.RaftTransferLeader'
  | 'Operator.AutopilotGetConfiguration'
  | 'Operator.AutopilotSetConfiguration'
  | 'Operator.ServerHealth'
>;

export function operatorHandlers(context: ServerContext, raft: RaftOperator): OperatorHandlers {
  const allow = (token: string, access: 'read' | 'write'): void => enforce(context.acl.resolve(token), { kind: 'operator' }, access);
  return {
    'Operator.RaftGetConfiguration': (args) => {
      allow(args.token, 'read');
      return runQuery(context, { ...args, minQueryIndex: 0 }, undefined, () => ({ index: context.store.lastIndex, value: { Servers: raft.servers(), Index: context.store.lastIndex } }));
    },
    'Operator.RaftRemovePeer': async (args) => {
      checkDatacenter(context, args.datacenter);
      allow(args.token, 'write');
      if ((args.id === '') === (args.address === '')) throw badRequest('Must specify either ?id with the server\'s ID or ?address with IP:port of peer to remove');
      await raft.removePeer(args.id, args.address);
      return true;
    },
    'Operator.RaftTransferLeader': async (args) => {
      checkDatacenter(context, args.datacenter);
      allow(args.token, 'write');
      await raft.transferLeader(args.id);
      return true;
    },
    'Operator.AutopilotGetConfiguration': (args) => {
      allow(args.token, 'read');
      return runQuery(context, args, undefined, (watch) => {
        watch.add(watchKeys.autopilot);
        return { index: Math.max(1, context.store.maxIndex([watchKeys.autopilot])), value: autopilotConfig(context.store) };
      });
    },
    'Operator.AutopilotSetConfiguration': async (args) => {
      checkDatacenter(context, args.datacenter);
      allow(args.token, 'write');
      return (await context.log.propose({ type: CommandType.Autopilot, config: args.config, casIndex: args.casIndex })) as boolean;
    },
    'Operator.ServerHealth': (args) => {
      checkDatacenter(context, args.datacenter);
      allow(args.token, 'read');
      return Promise.resolve(raft.health(autopilotConfig(context.store)));
    },
  };
}
