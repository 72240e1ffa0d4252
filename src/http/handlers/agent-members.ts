// Gossip membership over HTTP (Consul's agent_endpoint.go AgentMembers/AgentJoin/AgentLeave/
// AgentForceLeave and operator_endpoint.go OperatorKeyring): /v1/agent/members, join, leave,
// force-leave, and /v1/operator/keyring (list, install, use, remove on every member).

import type { AgentGossip } from '../../agent/gossip.js';
import type { KeyringOp, KeyringResult } from '../../gossip/driver/index.js';
import { badRequest, TaxiwayError } from '../../lib/errors.js';
import { s } from '../../structs/schema.js';
import { decodeBody } from '../decode-body.js';
import { first, has, parseGoBool } from '../query-options.js';
import { empty, type HttpResult, json } from '../result.js';
import { type ApiRequest, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

function gossipOf(request: ApiRequest): AgentGossip {
  const { gossip } = request.agent;
  if (gossip === undefined) throw new TaxiwayError('internal', 'the LAN gossip pool is not running');
  return gossip;
}

/** A flag parameter present without a value (?wan) counts as true, as Consul's. */
function flag(request: ApiRequest, name: string): boolean {
  if (!has(request.params, name)) return false;
  const raw = first(request.params, name);
  return raw === '' || parseGoBool(raw) === true;
}

function members(request: ApiRequest): Promise<HttpResult> {
  // The WAN pool (servers of every datacenter) is not built yet: no WAN members to show.
  if (flag(request, 'wan')) return Promise.resolve(json([]));
  let list = gossipOf(request).members();
  const segment = first(request.params, 'segment');
  if (has(request.params, 'segment') && segment !== '_all') list = list.filter((member) => (member.Tags.segment ?? '') === segment);
  return Promise.resolve(json(list));
}

async function join(request: ApiRequest): Promise<HttpResult> {
  writeOptionsOf(request);
  const address = requiredPathRest(request, 'Missing address to join');
  if (flag(request, 'wan')) throw badRequest('WAN join is not available: this agent has no WAN pool');
  await gossipOf(request).join([address]);
  return empty;
}

async function leave(request: ApiRequest): Promise<HttpResult> {
  writeOptionsOf(request);
  await request.agent.leave();
  return empty;
}

function forceLeave(request: ApiRequest): Promise<HttpResult> {
  writeOptionsOf(request);
  const node = requiredPathRest(request, 'Missing node name');
  gossipOf(request).forceLeave(node, flag(request, 'prune'));
  return Promise.resolve(empty);
}

const keyBodySchema = s.struct('KeyringRequest', { Key: s.string() });

function keyringAnswer(request: ApiRequest, result: KeyringResult): unknown[] {
  return [
    {
      WAN: false,
      Datacenter: request.agent.config.datacenter,
      Segment: '',
      Partition: '',
      Keys: result.keys,
      PrimaryKeys: result.primaryKeys,
      NumNodes: result.numNodes,
      Messages: result.messages,
    },
  ];
}

function keyringOperation(op: Exclude<KeyringOp, 'list'>) {
  return async (request: ApiRequest): Promise<HttpResult> => {
    writeOptionsOf(request);
    const { Key } = decodeBody(request.body, keyBodySchema);
    const result = await gossipOf(request).keyring(op, Key);
    const failures = Object.entries(result.messages);
    if (failures.length > 0) throw new TaxiwayError('internal', `${failures.length} nodes reported failure: ${failures.map(([node, message]) => `${node}: ${message}`).join('; ')}`);
    return empty;
  };
}

export const agentMemberRoutes: readonly Route[] = [
  { method: 'GET', path: '/v1/agent/members', handler: members },
  { method: 'PUT', path: '/v1/agent/join/*', handler: join },
  { method: 'PUT', path: '/v1/agent/leave', handler: leave },
  { method: 'PUT', path: '/v1/agent/force-leave/*', handler: forceLeave },
  { method: 'GET', path: '/v1/operator/keyring', handler: async (request) => json(keyringAnswer(request, await gossipOf(request).keyring('list', ''))) },
  { method: 'POST', path: '/v1/operator/keyring', handler: keyringOperation('install') },
  { method: 'PUT', path: '/v1/operator/keyring', handler: keyringOperation('use') },
  { method: 'DELETE', path: '/v1/operator/keyring', handler: keyringOperation('remove') },
];
