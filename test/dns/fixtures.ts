// Builders shared by the DNS unit tests: catalog rows, a DnsConfig with Consul's defaults, and a
// fake RpcClient that answers Health.ServiceNodes / Catalog.NodeServices from a fixed list.

import { pino } from 'pino';
import type { DnsConfig } from '../../src/agent/config/runtime-config.js';
import type { AnswerContext } from '../../src/dns/answer.js';
import type { HandlerDeps } from '../../src/dns/handler.js';
import type { DnsSettings } from '../../src/dns/lookup.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import type { RpcClient, ServiceEntry } from '../../src/rpc/protocol.js';
import type { CheckStatus, HealthCheck } from '../../src/structs/check.js';
import type { Node } from '../../src/structs/node.js';

export const defaultDnsConfig: DnsConfig = {
  allowStale: true,
  maxStaleMs: 87_600 * 3_600_000,
  nodeTtlMs: 0,
  serviceTtlMs: {},
  onlyPassing: false,
  enableTruncate: false,
  udpAnswerLimit: 3,
  aRecordLimit: 0,
  recursorTimeoutMs: 2000,
  enableAdditionalNodeMetaTxt: true,
  soa: { refreshSeconds: 3600, retrySeconds: 600, expireSeconds: 86_400, minTtlSeconds: 0 },
};

export function node(name: string, address: string, meta: Record<string, string> = {}): Node {
  return { ID: '', Node: name, Address: address, Datacenter: 'dc1', TaggedAddresses: {}, Meta: meta, CreateIndex: 1, ModifyIndex: 1 };
}

export function entry(options: { node: string; address: string; service?: string; port?: number; serviceAddress?: string; tags?: string[]; statuses?: CheckStatus[]; meta?: Record<string, string> }): ServiceEntry {
  const service = options.service ?? 'web';
  const checks = (options.statuses ?? ['passing']).map(
    (Status, index) => ({ Node: options.node, CheckID: `c${index}`, Name: 'check', Status, ServiceName: service }) as unknown as HealthCheck,
  );
  return {
    Node: node(options.node, options.address, options.meta),
    Service: {
      ID: service,
      Service: service,
      Tags: options.tags ?? [],
      Address: options.serviceAddress ?? '',
      Meta: {},
      Port: options.port ?? 80,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      Proxy: {},
      Connect: {},
      CreateIndex: 1,
      ModifyIndex: 1,
    },
    Checks: checks,
  };
}

export function context(overrides: Partial<AnswerContext> = {}): AnswerContext {
  return {
    name: 'web.service.consul',
    type: 'A',
    domain: 'consul.',
    datacenter: 'dc1',
    config: defaultDnsConfig,
    nowSeconds: 1_700_000_000,
    random: new SeededRandom(1),
    ...overrides,
  };
}

export function settings(overrides: Partial<DnsSettings> = {}): DnsSettings {
  return { datacenter: 'dc1', nodeName: 'n1', domain: 'consul.', altDomain: '', recursors: [], token: '', config: defaultDnsConfig, ...overrides };
}

/** An RpcClient over a fixed catalog; tag and passing filters applied as the server does. */
export function fakeRpc(entries: readonly ServiceEntry[]): RpcClient {
  const meta = { index: 1, knownLeader: true, lastContactMs: 0, consistency: 'leader' as const };
  const call = (method: string, args: Record<string, unknown>): unknown => {
    if (method === 'Health.ServiceNodes') {
      const tags = args.tags as string[];
      const value = entries.filter(
        (e) => e.Service.Service === args.serviceName && tags.every((tag) => e.Service.Tags.includes(tag)) && (!args.passingOnly || e.Checks.every((c) => c.Status === 'passing')),
      );
      return { meta, value };
    }
    if (method === 'Catalog.NodeServices') {
      const found = entries.find((e) => e.Node.Node === args.node);
      return { meta, value: found === undefined ? null : { Node: found.Node, Services: {} } };
    }
    throw new Error(`unexpected ${method}`);
  };
  return { call: (method, args) => Promise.resolve(call(method, args as Record<string, unknown>)) } as RpcClient;
}

export function handlerDeps(entries: readonly ServiceEntry[], overrides: Partial<DnsSettings> = {}): HandlerDeps {
  const clock = new ManualClock();
  return {
    rpc: fakeRpc(entries),
    random: new SeededRandom(7),
    clock,
    logger: pino({ level: 'silent' }),
    nowMs: () => 1_700_000_000_000,
    settings: () => settings(overrides),
  };
}
