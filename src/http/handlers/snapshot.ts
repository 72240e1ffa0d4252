// /v1/snapshot: GET answers the whole state as a snapshot file (?stale allowed) with its index in
// X-Consul-Index; PUT restores the file in the body through the servers' log (src/snapshot/
// restore.ts). The upload has its own body limit (limits.snapshotBytesMax), not the JSON
// endpoints' 512 KiB; a damaged file is refused with 400 and the reason, and nothing changes.

import { payloadTooLarge } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import { restoreSnapshotFile } from '../../snapshot/restore.js';
import { empty } from '../result.js';
import { queryOptionsOf, type Route, writeOptionsOf } from '../route.js';

export const snapshotRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/snapshot',
    handler: async (request) => {
      const reply = await request.agent.rpc.call('Snapshot.Save', queryOptionsOf(request), request.signal);
      const body = Buffer.from(reply.value.buffer, reply.value.byteOffset, reply.value.byteLength);
      return { kind: 'raw', status: 200, body, contentType: 'application/octet-stream', meta: reply.meta };
    },
  },
  {
    method: 'PUT',
    path: '/v1/snapshot',
    bodyBytesMax: limits.snapshotBytesMax,
    bodyTooLarge: () => payloadTooLarge(`Snapshot too large, max size: ${limits.snapshotBytesMax} bytes`),
    handler: async (request) => {
      const { agent } = request;
      await restoreSnapshotFile(agent.rpc, writeOptionsOf(request), request.body ?? Buffer.alloc(0), agent.deps.random.uuid());
      return empty;
    },
  },
];
