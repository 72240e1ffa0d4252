// Gossip membership over HTTP (Consul's agent_endpoint.go AgentMembers/AgentJoin/AgentLeave/
// AgentForceLeave and operator_endpoint.go OperatorKeyring): /v1/agent/members, join, leave,
// force-leave, and /v1/operator/keyring (list, install, use, remove on every member).

import type { AgentGossip } from '../../agent/gossip.js';
import type { KeyringOp, KeyringResult } from '../../gossip/driver/index.js';
import { TaxiwayError } from '../../lib/errors.js';
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
  let list = gossipOf(request).members(flag(request, 'wan'));
  const segment = first(request.params, 'segment');
  if (has(request.params, 'segment') && segment !== '_all') list = list.filter((member) => (member.Tags.segment ?? '') === segment);
  return Promise.resolve(json(list));
}

async function join(request: ApiRequest): Promise<HttpResult> {
  writeOptionsOf(request);
  const address = requiredPathRest(request, 'Missing address to join');
  await gossipOf(request).join([address], flag(request, 'wan'));
  return empty;
}

async function leave(request: ApiRequest): Promise<HttpResult> {
  writeOptionsOf(request);
  await request.agent.leave();
  return empty;
}

async function forceLeave(request: ApiRequest): Promise<HttpResult> {
  writeOptionsOf(request);
  const node = requiredPathRest(request, 'Missing node name');
  await gossipOf(request).forceLeave(node, flag(request, 'prune'));
  return empty;
}

const keyBodySchema = s.struct('KeyringRequest', { Key: s.string() });

function keyringAnswer(request: ApiRequest, pools: readonly { wan: boolean; result: KeyringResult }[]): unknown[] {
  return pools.map(({ wan, result }) => ({
    WAN: wan,
    Datacenter: request.agent.config.datacenter,
    Segment: '',
    Partition: '',
    Keys: result.keys,
    PrimaryKeys: result.primaryKeys,
    NumNodes: result.numNodes,
    Messages: result.messages,
  }));
}

function keyringOperation(op: Exclude<KeyringOp, 'list'>) {
  return async (request: ApiRequest): Promise<HttpResult> => {
    writeOptionsOf(request);
    const { Key } = decodeBody(request.body, keyBodySchema);
    const pools = await gossipOf(request).keyring(op, Key);
    const failures = pools.flatMap(({ result }) => Object.entries(result.messages));
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
