// Gossip membership and the keyring through the HTTP API (Consul's api/agent.go Members, Join,
// Leave, ForceLeave and api/operator_keyring.go), for `taxiway members|join|leave|force-leave|keyring`.

import { pathSegment, type ApiClient } from './client.js';

/** Consul's api.AgentMember; Status 1 alive, 2 leaving, 3 left, 4 failed. */
export interface AgentMember {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Tags: Readonly<Record<string, string>>;
  readonly Status: number;
}

export const memberStatusNames: Readonly<Record<number, string>> = { 0: 'none', 1: 'alive', 2: 'leaving', 3: 'left', 4: 'failed' };

export async function listMembers(client: ApiClient, options: { wan?: boolean; segment?: string } = {}): Promise<AgentMember[]> {
  const params: Record<string, string> = {};
  if (options.wan === true) params.wan = '1';
  if (options.segment !== undefined) params.segment = options.segment;
  return (await client.query<AgentMember[]>('/v1/agent/members', { query: { params } })).value;
}

export async function joinAgent(client: ApiClient, address: string, wan = false): Promise<void> {
  await client.write('PUT', `/v1/agent/join/${pathSegment(address)}`, wan ? { query: { params: { wan: '1' } } } : {});
}

export async function leaveAgent(client: ApiClient): Promise<void> {
  await client.write('PUT', '/v1/agent/leave');
}

export async function forceLeaveMember(client: ApiClient, node: string, prune: boolean): Promise<void> {
  await client.write('PUT', `/v1/agent/force-leave/${pathSegment(node)}`, prune ? { query: { params: { prune: '1' } } } : {});
}

/** One pool's answer to a keyring list (Consul's api.KeyringResponse). */
export interface KeyringResponse {
  readonly WAN: boolean;
  readonly Datacenter: string;
  readonly Segment: string;
  readonly Keys: Readonly<Record<string, number>>;
  readonly PrimaryKeys: Readonly<Record<string, number>>;
  readonly NumNodes: number;
  readonly Messages: Readonly<Record<string, string>>;
}

export async function listKeys(client: ApiClient): Promise<KeyringResponse[]> {
  return (await client.query<KeyringResponse[]>('/v1/operator/keyring')).value;
}

const keyringMethods = { install: 'POST', use: 'PUT', remove: 'DELETE' } as const;

export async function changeKeyring(client: ApiClient, op: keyof typeof keyringMethods, key: string): Promise<void> {
  await client.write(keyringMethods[op], '/v1/operator/keyring', { body: { Key: key } });
}
