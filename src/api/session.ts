// The /v1/session endpoints (Consul's api.Session) that locks and semaphores use: create a
// session, renew it before its TTL runs out, destroy it, read it.

import { ApiError } from './api-error.js';
import { pathSegment, type ApiClient } from './client.js';

/** A session as the agent returns it (Consul's api.SessionEntry, the fields taxiway's tools read). */
export interface SessionEntry {
  readonly ID: string;
  readonly Name: string;
  readonly Node: string;
  /** Nanoseconds, as Go's time.Duration. */
  readonly LockDelay: number;
  readonly Behavior: 'release' | 'delete';
  /** A Go duration ("15s"), or "" for a session without a TTL. */
  readonly TTL: string;
}

/** The body of PUT /v1/session/create; fields left out take the agent's defaults. */
export interface SessionCreate {
  readonly Name?: string;
  readonly TTL?: string;
  readonly Behavior?: 'release' | 'delete';
  /** A Go duration ("15s"). */
  readonly LockDelay?: string;
}

/** Creates a session; returns its ID. */
export async function createSession(client: ApiClient, request: SessionCreate): Promise<string> {
  const result = await client.write<{ ID: string }>('PUT', '/v1/session/create', { body: request });
  if (result.value === undefined) throw new Error('session create answered without an ID');
  return result.value.ID;
}

/** Destroys a session, releasing or deleting the keys it locks. */
export async function destroySession(client: ApiClient, id: string): Promise<void> {
  await client.write('PUT', `/v1/session/destroy/${pathSegment(id)}`);
}

/** Renews a session's TTL; null when the session no longer exists (Consul's ErrSessionExpired case). */
export async function renewSession(client: ApiClient, id: string): Promise<SessionEntry | null> {
  try {
    const result = await client.write<SessionEntry[]>('PUT', `/v1/session/renew/${pathSegment(id)}`);
    return result.value?.[0] ?? null;
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 404) return null;
    throw error;
  }
}

/** One session, or null when it does not exist. */
export async function getSession(client: ApiClient, id: string): Promise<SessionEntry | null> {
  const result = await client.query<SessionEntry[] | null>(`/v1/session/info/${pathSegment(id)}`);
  return result.value?.[0] ?? null;
}
