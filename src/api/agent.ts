// The /v1/agent endpoints the CLI uses: the local agent's identity and stats, its checks, service
// registration, maintenance mode and reload. Request and answer shapes are Consul's.

import { pathSegment, type ApiClient, type QueryResult } from './client.js';

/** /v1/agent/self; every top-level value is an object (Consul's client decodes it as a map of maps). */
export interface AgentSelf {
  readonly Config: { readonly NodeName: string; readonly Datacenter: string; readonly Version: string; readonly [key: string]: unknown };
  /** Section ("agent", "raft", ...) → key → value; Consul's values are all strings. */
  readonly Stats?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** A check as /v1/agent/checks returns it (Consul's api.AgentCheck). */
export interface AgentCheck {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: string;
  readonly Notes: string;
  readonly Output: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly Type: string;
}

/**
 * The body of /v1/agent/service/register (Consul's api.AgentServiceRegistration): zero fields
 * may be left out; durations inside checks are Go duration strings ("10s").
 */
export interface ServiceRegistration {
  readonly Kind?: string;
  readonly ID?: string;
  readonly Name: string;
  readonly Tags?: readonly string[];
  readonly Port?: number;
  readonly Address?: string;
  readonly SocketPath?: string;
  readonly TaggedAddresses?: Readonly<Record<string, { readonly Address: string; readonly Port: number }>>;
  readonly Meta?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

/** The check IDs maintenance mode registers (Consul's structs.NodeMaint and ServiceMaintPrefix). */
export const nodeMaintenanceCheckId = '_node_maintenance';
export const serviceMaintenanceCheckPrefix = '_service_maintenance:';

export function getAgentSelf(client: ApiClient): Promise<QueryResult<AgentSelf>> {
  return client.query<AgentSelf>('/v1/agent/self');
}

/** The agent's node name, read from /v1/agent/self as Consul's Agent().NodeName() does. */
export async function getAgentNodeName(client: ApiClient): Promise<string> {
  const { value } = await getAgentSelf(client);
  const name = (value.Config as { NodeName?: unknown } | undefined)?.NodeName;
  if (typeof name !== 'string') throw new TypeError('agent/self has no Config.NodeName');
  return name;
}

/** Check ID → check, for the checks registered on this agent. */
export function listAgentChecks(client: ApiClient): Promise<QueryResult<Record<string, AgentCheck>>> {
  return client.query<Record<string, AgentCheck>>('/v1/agent/checks');
}

export async function registerService(client: ApiClient, registration: ServiceRegistration): Promise<void> {
  await client.write('PUT', '/v1/agent/service/register', { body: registration });
}

export async function deregisterService(client: ApiClient, serviceId: string): Promise<void> {
  await client.write('PUT', `/v1/agent/service/deregister/${pathSegment(serviceId)}`);
}

/**
 * Puts the node (serviceId undefined) or one service into maintenance, or takes it out. Like
 * Consul's client, enabling always sends `reason` (the agent uses its default note when empty);
 * disabling sends none.
 */
export async function setMaintenance(client: ApiClient, enable: boolean, reason: string, serviceId?: string): Promise<void> {
  const path = serviceId === undefined ? '/v1/agent/maintenance' : `/v1/agent/service/maintenance/${pathSegment(serviceId)}`;
  const params: Record<string, string> = enable ? { enable: 'true', reason } : { enable: 'false' };
  await client.write('PUT', path, { query: { params } });
}

/** Asks the agent to re-read its configuration files. */
export async function reloadAgent(client: ApiClient): Promise<void> {
  await client.write('PUT', '/v1/agent/reload');
}
