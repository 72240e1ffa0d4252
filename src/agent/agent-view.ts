// How the agent endpoints show local state: Consul's AgentService (buildAgentService) and the
// HealthCheck rows of /v1/agent/checks, plus the aggregated health of a local service.

import { createHash } from 'node:crypto';
import type { CheckStatus, HealthCheck } from '../structs/check.js';
import { isMaintenanceCheck } from './maintenance.js';
import type { LocalCheck, LocalService, LocalState } from './local-state.js';

/** api.AgentService: Proxy only for proxies and gateways, Connect only for native services. */
export function agentService(local: LocalService, datacenter: string): Record<string, unknown> {
  const { service } = local;
  const out: Record<string, unknown> = {};
  if (service.Kind !== undefined) out.Kind = service.Kind;
  out.ID = service.ID;
  out.Service = service.Service;
  out.Tags = service.Tags;
  out.Meta = service.Meta;
  out.Port = service.Port;
  out.Address = service.Address;
  if (service.SocketPath !== undefined) out.SocketPath = service.SocketPath;
  if (service.TaggedAddresses !== undefined) out.TaggedAddresses = service.TaggedAddresses;
  out.Weights = service.Weights;
  out.EnableTagOverride = service.EnableTagOverride;
  if (service.Kind !== undefined && service.Kind !== '') out.Proxy = service.Proxy;
  if (service.Connect.Native === true) out.Connect = service.Connect;
  out.Datacenter = datacenter;
  if (service.Locality !== undefined) out.Locality = service.Locality;
  return out;
}

/** A hash of what the agent serves for one service; changes whenever the service does. */
export function contentHash(view: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(view)).digest('hex').slice(0, 16);
}

/** A local check as /v1/agent/checks serves it: the catalog's HealthCheck shape, indexes 0. */
export function agentCheck(local: LocalCheck, state: LocalState): HealthCheck {
  const service = local.check.ServiceID === '' ? undefined : state.service(local.check.ServiceID)?.service;
  const { Type, Interval, Timeout, ExposedPort, Definition } = local.check;
  const { Node, CheckID, Name, Status, Notes, Output, ServiceID } = local.check;
  // Fields in Consul's order.
  return { Node, CheckID, Name, Status, Notes, Output, ServiceID, ServiceName: service?.Service ?? '', ServiceTags: service?.Tags ?? [], Type, Interval, Timeout, ExposedPort, Definition, CreateIndex: 0, ModifyIndex: 0 };
}

export type AggregatedStatus = CheckStatus | 'maintenance';

/** Consul's HealthChecks.AggregatedStatus: maintenance, then critical, warning, passing. */
export function aggregatedStatus(checks: readonly HealthCheck[]): AggregatedStatus {
  if (checks.some((check) => isMaintenanceCheck(check.CheckID))) return 'maintenance';
  if (checks.some((check) => check.Status === 'critical')) return 'critical';
  if (checks.some((check) => check.Status === 'warning')) return 'warning';
  return 'passing';
}

/** A service's health as the load-balancer endpoints report it: its checks and the node's. */
export function serviceHealthView(local: LocalService, state: LocalState, datacenter: string): { AggregatedStatus: AggregatedStatus; Service: Record<string, unknown>; Checks: HealthCheck[] } {
  const checks = [...state.checksOf(''), ...state.checksOf(local.service.ID)].map((check) => agentCheck(check, state));
  return { AggregatedStatus: aggregatedStatus(checks), Service: agentService(local, datacenter), Checks: checks };
}
