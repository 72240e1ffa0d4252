// The /v1/event endpoints (Consul's api.Event): fire a user event, list the events this agent
// has seen, and the event index the list blocks on.

import { pathSegment, type ApiClient, type QueryResult } from './client.js';
import type { UserEvent } from '../structs/event.js';
import type { QueryOptions } from './query.js';

export type { UserEvent };

export interface EventFire {
  readonly name: string;
  readonly payload?: Uint8Array;
  /** Regular expressions selecting the agents that keep the event ("" for all). */
  readonly nodeFilter?: string;
  readonly serviceFilter?: string;
  readonly tagFilter?: string;
}

/** Fires an event; returns it as the agent accepted it (with its ID). */
export async function fireEvent(client: ApiClient, event: EventFire): Promise<UserEvent> {
  const params: Record<string, string> = {};
  if ((event.nodeFilter ?? '') !== '') params.node = event.nodeFilter as string;
  if ((event.serviceFilter ?? '') !== '') params.service = event.serviceFilter as string;
  if ((event.tagFilter ?? '') !== '') params.tag = event.tagFilter as string;
  const result = await client.write<UserEvent>('PUT', `/v1/event/fire/${pathSegment(event.name)}`, {
    query: { params },
    ...(event.payload === undefined ? {} : { rawBody: event.payload }),
  });
  if (result.value === undefined) throw new Error('event fire answered without the event');
  return result.value;
}

/** The events this agent keeps, oldest first, only those named `name` unless it is "". */
export function listEvents(client: ApiClient, name: string, query?: QueryOptions, signal?: AbortSignal): Promise<QueryResult<UserEvent[]>> {
  const params: Record<string, string> = name === '' ? {} : { name };
  // The event index is the agent's own; ?stale does not apply (Consul's eventWatch ignores it).
  return client.query<UserEvent[]>('/v1/event/list', { query: { ...query, params: { ...query?.params, ...params } }, ...(signal === undefined ? {} : { signal }) });
}

/**
 * The blocking index of an event ID: Consul's IDToIndex (the XOR of the UUID's two 64-bit halves),
 * folded to 53 bits and never 0, exactly as the taxiway agent computes X-Consul-Index for
 * /v1/event/list (src/agent/user-events.ts), so that a watch can find the last event it saw.
 */
export function eventIndexOf(id: string): number {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return 0;
  const low = BigInt(`0x${hex.slice(0, 16)}`);
  const high = BigInt(`0x${hex.slice(16, 32)}`);
  const folded = Number((low ^ high) & 0x1f_ffff_ffff_ffffn);
  return folded === 0 ? 1 : folded;
}
