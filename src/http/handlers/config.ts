// /v1/config/* (Consul's agent/config_endpoint.go) and /v1/discovery-chain/* (discovery_chain_
// endpoint.go; POST carries OverrideProtocol, OverrideConnectTimeout, OverrideMeshGateway and
// ?compile-dc names the datacenter to evaluate in). PUT /v1/config takes the kind and name from the body; ?cas= makes it a
// check-and-set (answer true/false); DELETE with ?cas answers whether it deleted, without it {}.

import type { ChainOverrides } from '../../connect/discovery-chain.js';
import { badRequest, notFound } from '../../lib/errors.js';
import { type ConfigEntryKind, decodeConfigEntry, isConfigEntryKind } from '../../structs/config-entry.js';
import { s } from '../../structs/schema.js';
import { decodeBody } from '../decode-body.js';
import { first, has, type QueryParams } from '../query-options.js';
import { json, type HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

function casOf(params: QueryParams): number | null {
  if (!has(params, 'cas') || first(params, 'cas') === '') return null;
  const text = first(params, 'cas');
  if (!/^\d+$/.test(text)) throw badRequest(`strconv.ParseUint: parsing "${text}": invalid syntax`);
  return Number(text);
}

function kindOf(text: string): ConfigEntryKind {
  if (!isConfigEntryKind(text)) throw badRequest(`invalid config entry kind: ${text}`);
  return text;
}

function parseJsonBody(body: Buffer | undefined): unknown {
  if (body === undefined || body.length === 0) throw badRequest('Request decoding failed: EOF');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw badRequest(`Request decoding failed: ${(error as Error).message}`);
  }
}

async function get(request: ApiRequest): Promise<HttpResult> {
  const parts = request.pathRest.split('/');
  const kindText = parts[0] ?? '';
  if (kindText === '') throw notFound('Must provide either a kind or both kind and name');
  const kind = kindOf(kindText);
  if (parts.length === 1) {
    const reply = await request.agent.rpc.call('ConfigEntry.List', { ...queryOptionsOf(request), kind }, request.signal);
    return { kind: 'query', value: reply.value, meta: reply.meta };
  }
  const name = parts.slice(1).join('/');
  const reply = await request.agent.rpc.call('ConfigEntry.Get', { ...queryOptionsOf(request), kind, name }, request.signal);
  if (reply.value === null) throw notFound(`Config entry not found for "${kindText}" / "${name}"`);
  return { kind: 'query', value: reply.value, meta: reply.meta };
}

async function remove(request: ApiRequest): Promise<HttpResult> {
  const parts = request.pathRest.split('/');
  if (parts.length < 2 || parts[0] === '') throw notFound('Must provide both a kind and name to delete');
  const kind = kindOf(parts[0] as string);
  const casIndex = casOf(request.params);
  const deleted = await request.agent.rpc.call('ConfigEntry.Delete', { ...writeOptionsOf(request), kind, name: parts.slice(1).join('/'), casIndex });
  return json(casIndex === null ? {} : deleted);
}

async function put(request: ApiRequest): Promise<HttpResult> {
  const entry = decodeConfigEntry(parseJsonBody(request.body));
  return json(await request.agent.rpc.call('ConfigEntry.Apply', { ...writeOptionsOf(request), entry, casIndex: casOf(request.params) }));
}

const chainOverridesSchema = s.struct('DiscoveryChainReadRequest', {
  OverrideProtocol: s.string(),
  OverrideConnectTimeout: s.duration(),
  OverrideMeshGateway: s.struct('MeshGatewayConfig', { Mode: s.string() }),
});

const meshGatewayModes = ['', 'default', 'none', 'local', 'remote'];

/** POST's body (Consul's discoveryChainReadRequest); an empty body overrides nothing. */
function chainOverrides(request: ApiRequest): ChainOverrides | undefined {
  if (request.body === undefined || request.body.length === 0) return undefined;
  const body = decodeBody(request.body, chainOverridesSchema);
  const mode = body.OverrideMeshGateway.Mode;
  if (!meshGatewayModes.includes(mode)) throw badRequest('Invalid OverrideMeshGateway.Mode parameter');
  return { protocol: body.OverrideProtocol, connectTimeoutMs: body.OverrideConnectTimeout, meshGatewayMode: mode === 'default' ? '' : mode };
}

async function discoveryChain(request: ApiRequest, post: boolean): Promise<HttpResult> {
  const name = requiredPathRest(request, 'Missing chain name');
  const overrides = post ? chainOverrides(request) : undefined;
  const args = { ...queryOptionsOf(request), name, evaluateInDatacenter: first(request.params, 'compile-dc'), ...(overrides === undefined ? {} : { overrides }) };
  const reply = await request.agent.rpc.call('DiscoveryChain.Get', args, request.signal);
  return { kind: 'query', value: { Chain: reply.value }, meta: reply.meta };
}

export const configRoutes: readonly Route[] = [
  { method: 'PUT', path: '/v1/config', handler: put },
  { method: 'GET', path: '/v1/config/*', handler: get },
  { method: 'DELETE', path: '/v1/config/*', handler: remove },
  { method: 'GET', path: '/v1/discovery-chain/*', handler: (request) => discoveryChain(request, false) },
  { method: 'POST', path: '/v1/discovery-chain/*', handler: (request) => discoveryChain(request, true) },
];
