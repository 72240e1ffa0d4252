// lookup: a parsed name inside our domain → catalog reads through the agent's RPC client (the same
// calls the HTTP API makes) → answer.ts. Reads are stale when dns_config.allow_stale says so
// (bounded by max_stale), with the agent's DNS token.

import type { DnsConfig } from '../agent/config/runtime-config.js';
import type { Random } from '../lib/random.js';
import { unreachable } from '../lib/assert.js';
import { isTaxiwayError } from '../lib/errors.js';
import type { QueryOptions, RpcClient, ServiceEntry } from '../rpc/protocol.js';
import { addrAnswer, apexAnswer, emptyAnswer, nodeAnswer, serviceAnswer, type AnswerContext, type DnsAnswer, type QuestionType } from './answer.js';
import type { DnsQuery } from './parse-name.js';
import { queryDnsTtlSeconds } from '../structs/prepared-query.js';

/** What the DNS server reads each time: the agent's current settings (a reload may change them). */
export interface DnsSettings {
  readonly datacenter: string;
  /** This agent's node name: a prepared query's Near "_agent". */
  readonly nodeName: string;
  readonly domain: string;
  readonly altDomain: string;
  readonly recursors: readonly string[];
  readonly token: string;
  readonly config: DnsConfig;
}

export interface LookupDeps {
  readonly rpc: RpcClient;
  readonly random: Random;
  /** Wall-clock ms (SOA serial). */
  readonly nowMs: () => number;
}

export interface LookupRequest {
  readonly name: string;
  readonly type: QuestionType;
  readonly domain: string;
  readonly query: DnsQuery;
}

export function queryOptions(settings: DnsSettings, datacenter: string): QueryOptions {
  return {
    datacenter,
    token: settings.token,
    minQueryIndex: 0,
    maxQueryTimeMs: 0,
    allowStale: settings.config.allowStale,
    requireConsistent: false,
    maxStaleMs: settings.config.allowStale ? settings.config.maxStaleMs : 0,
    filter: '',
  };
}

export async function lookup(deps: LookupDeps, settings: DnsSettings, request: LookupRequest): Promise<DnsAnswer> {
  const { query } = request;
  const datacenter = 'datacenter' in query && query.datacenter !== '' ? query.datacenter : settings.datacenter;
  const context: AnswerContext = {
    name: request.name,
    type: request.type,
    domain: request.domain,
    datacenter,
    config: settings.config,
    nowSeconds: Math.floor(deps.nowMs() / 1000),
    random: deps.random,
  };
  try {
    return await lookupIn(deps, settings, context, query);
  } catch (error) {
    // A datacenter we have no path to is a name that does not exist (Consul's rCodeFromError).
    if (isTaxiwayError(error) && error.code === 'no_path_to_datacenter') return emptyAnswer(context, 'NXDOMAIN');
    throw error;
  }
}

async function lookupIn(deps: LookupDeps, settings: DnsSettings, context: AnswerContext, query: DnsQuery): Promise<DnsAnswer> {
  const { datacenter } = context;
  const options = queryOptions(settings, datacenter);
  switch (query.kind) {
    case 'service': {
      const entries = await serviceEntries(deps.rpc, options, query.service, query.tag, query.connect, settings.config.onlyPassing);
      return serviceAnswer(context, { service: query.service, entries, onlyPassing: settings.config.onlyPassing });
    }
    case 'node': {
      const reply = await deps.rpc.call('Catalog.NodeServices', { ...options, node: query.node });
      return nodeAnswer(context, reply.value?.Node ?? null);
    }
    case 'addr':
      return addrAnswer(context, query.address);
    case 'query':
      return preparedQueryAnswer(deps.rpc, settings, options, context, query.query);
    case 'apex': {
      const servers = await serviceEntries(deps.rpc, options, 'consul', '', false, false);
      return apexAnswer(context, servers);
    }
    case 'virtual':
    case 'invalid':
      return emptyAnswer(context, 'NXDOMAIN');
    default:
      return unreachable(query);
  }
}

/**
 * `<query>.query.<domain>`: the prepared query's execution, answered as a service lookup but with
 * the query's own health filtering and order (Near first), and its DNS.TTL when it has one.
 * A query that does not exist is NXDOMAIN, as Consul's preparedQueryLookup answers.
 */
async function preparedQueryAnswer(rpc: RpcClient, settings: DnsSettings, options: QueryOptions, context: AnswerContext, name: string): Promise<DnsAnswer> {
  let result;
  try {
    const args = { ...options, idOrName: name, agentNode: settings.nodeName, near: '', sourceIp: '', limit: 0, connect: false };
    result = (await rpc.call('PreparedQuery.Execute', args)).value;
  } catch (error) {
    if (isTaxiwayError(error) && (error.code === 'not_found' || error.code === 'bad_request')) return emptyAnswer(context, 'NXDOMAIN');
    throw error;
  }
  return serviceAnswer({ ...context, datacenter: result.Datacenter }, {
    service: result.Service,
    entries: result.Nodes,
    onlyPassing: false,
    preFiltered: true,
    ttlSeconds: queryDnsTtlSeconds(result.DNS),
  });
}

async function serviceEntries(rpc: RpcClient, options: QueryOptions, service: string, tag: string, connect: boolean, passingOnly: boolean): Promise<readonly ServiceEntry[]> {
  const reply = await rpc.call('Health.ServiceNodes', {
    ...options,
    serviceName: service,
    tags: tag === '' ? [] : [tag],
    nodeMeta: {},
    passingOnly,
    connect,
  });
  return reply.value;
}
