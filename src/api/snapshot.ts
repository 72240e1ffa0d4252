// /v1/snapshot for taxiway's tools: download the state as a snapshot file, upload one to restore.
// Both carry whole files (up to limits.snapshotBytesMax) with their own, longer timeout.

import { limits } from '../lib/limits.js';
import type { ApiClient } from './client.js';
import type { QueryMeta } from './query.js';

/** GET /v1/snapshot: the file's bytes and the index it was taken at (X-Consul-Index). */
export async function saveSnapshot(client: ApiClient): Promise<{ readonly file: Buffer; readonly meta: QueryMeta }> {
  const response = await client.send('GET', '/v1/snapshot', { responseBytesMax: limits.snapshotBytesMax, timeoutMs: limits.snapshotTransferTimeoutMs });
  return { file: response.body, meta: response.meta };
}

/** PUT /v1/snapshot: replaces the servers' whole state with the file's. */
export async function restoreSnapshot(client: ApiClient, file: Uint8Array): Promise<void> {
  await client.send('PUT', '/v1/snapshot', { rawBody: file, timeoutMs: limits.snapshotTransferTimeoutMs });
}
