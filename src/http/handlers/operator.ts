// /v1/operator/raft/* and /v1/operator/autopilot/*: the Raft configuration (list, remove a peer,
// transfer leadership) and autopilot (configuration with ?cas, health, state), with Consul's
// shapes: agent/operator_endpoint.go. Health answers 429 when the cluster is unhealthy, as Consul.

import { autopilotConfigRequestSchema, renderAutopilotConfig } from '../../structs/autopilot.js';
import type { OperatorHealth } from '../../structs/operator.js';
import { badRequest } from '../../lib/errors.js';
import { decodeBody } from '../decode-body.js';
import { first, has } from '../query-options.js';
import { json, type HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, type Route, writeOptionsOf } from '../route.js';

function casOf(request: ApiRequest): number | null {
  if (!has(request.params, 'cas')) return null;
  const text = first(request.params, 'cas');
  if (!/^\d+$/.test(text)) throw badRequest(`Error parsing cas value: ${JSON.stringify(text)}`);
  return Number(text);
}

async function setAutopilot(request: ApiRequest): Promise<HttpResult> {
  const body = decodeBody(request.body, autopilotConfigRequestSchema);
  const config = {
    CleanupDeadServers: body.CleanupDeadServers,
    LastContactThresholdMs: body.LastContactThreshold,
    MaxTrailingLogs: body.MaxTrailingLogs,
    MinQuorum: body.MinQuorum,
    ServerStabilizationTimeMs: body.ServerStabilizationTime,
    RedundancyZoneTag: body.RedundancyZoneTag,
    DisableUpgradeMigration: body.DisableUpgradeMigration,
    UpgradeVersionTag: body.UpgradeVersionTag,
  };
  return json(await request.agent.rpc.call('Operator.AutopilotSetConfiguration', { ...writeOptionsOf(request), config, casIndex: casOf(request) }));
}

/** Consul's autopilot state (api.AutopilotState) derived from the health reply. */
function autopilotState(health: OperatorHealth): Record<string, unknown> {
  const servers: Record<string, unknown> = {};
  for (const server of health.Servers) {
    servers[server.ID] = {
      ID: server.ID,
      Name: server.Name,
      Address: server.Address,
      NodeStatus: server.SerfStatus,
      Version: server.Version,
      LastContact: server.LastContact,
      LastTerm: server.LastTerm,
      LastIndex: server.LastIndex,
      Healthy: server.Healthy,
      StableSince: server.StableSince,
      ReadReplica: false,
      Status: server.Leader ? 'leader' : server.Voter ? 'voter' : 'non-voter',
      Meta: {},
      NodeType: 'voter',
    };
  }
  const leader = health.Servers.find((server) => server.Leader)?.ID ?? '';
  const voters = health.Servers.filter((server) => server.Voter).map((server) => server.ID);
  return { Healthy: health.Healthy, FailureTolerance: health.FailureTolerance, OptimisticFailureTolerance: health.FailureTolerance, Servers: servers, Leader: leader, Voters: voters };
}

export const operatorRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/operator/raft/configuration',
    handler: async (request) => {
      const reply = await request.agent.rpc.call('Operator.RaftGetConfiguration', queryOptionsOf(request), request.signal);
      return { kind: 'query', value: reply.value, meta: reply.meta };
    },
  },
  {
    method: 'DELETE',
    path: '/v1/operator/raft/peer',
    handler: async (request) => {
      await request.agent.rpc.call('Operator.RaftRemovePeer', { ...writeOptionsOf(request), id: first(request.params, 'id'), address: first(request.params, 'address') });
      return { kind: 'empty' };
    },
  },
  {
    method: 'POST',
    path: '/v1/operator/raft/transfer-leader',
    handler: async (request) => json({ Success: await request.agent.rpc.call('Operator.RaftTransferLeader', { ...writeOptionsOf(request), id: first(request.params, 'id') }) }),
  },
  {
    method: 'GET',
    path: '/v1/operator/autopilot/configuration',
    handler: async (request) => {
      const reply = await request.agent.rpc.call('Operator.AutopilotGetConfiguration', queryOptionsOf(request), request.signal);
      return { kind: 'query', value: renderAutopilotConfig(reply.value), meta: reply.meta };
    },
  },
  { method: 'PUT', path: '/v1/operator/autopilot/configuration', handler: setAutopilot },
  {
    method: 'GET',
    path: '/v1/operator/autopilot/health',
    handler: async (request) => {
      const health = await request.agent.rpc.call('Operator.ServerHealth', queryOptionsOf(request), request.signal);
      return { kind: 'json', value: health, status: health.Healthy ? 200 : 429 };
    },
  },
  {
    method: 'GET',
    path: '/v1/operator/autopilot/state',
    handler: async (request) => json(autopilotState(await request.agent.rpc.call('Operator.ServerHealth', queryOptionsOf(request), request.signal))),
  },
];
