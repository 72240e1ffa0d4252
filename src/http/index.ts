// The HTTP API (Consul's /v1/*).
//
//   socket ─ connection-limits.ts (per-IP and total caps, 429 over them)
//     ▼
//   server.ts: node:http listeners → one fastify router (routes.ts), 404 and 405 with Allow
//     ▼
//   handlers/*.ts: query-options.ts (?dc ?token ?index ?wait ?stale ?consistent ?filter),
//                  decode-body.ts (JSON → schema), then the agent (local state) or RPC (catalog)
//     ▼
//   respond.ts: HttpResult → JSON (serialize.ts: cached fragments of immutable rows),
//               X-Consul-* headers; errors → Consul's status and one plain-text line

export { type HttpApi, startHttpApi } from './server.js';
export { routes } from './routes.js';
