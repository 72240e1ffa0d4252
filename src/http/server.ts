// The HTTP API listeners. fastify does routing and body reading; node:http servers (one per
// listen address, all sharing one fastify router) carry the limits: header size and time,
// keep-alive time, connections per client and in all. Request timeouts are off because blocking
// queries legitimately hold a request for up to ten minutes.
//
// Request flow: connection-limits.ts → fastify (routes.ts; unknown path → 404, wrong method → 405
// with Allow) → handler (handlers/*) → respond.ts.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import compress from '@fastify/compress';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Agent } from '../agent/agent.js';
import { TaxiwayError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import { type ConnectionCaps, ConnectionCounter } from './connection-limits.js';
import { has, type QueryParams } from './query-options.js';
import { writeError, writeResult } from './respond.js';
import type { Handler, HttpMethod, Route } from './route.js';
import { routes } from './routes.js';

export interface HttpApiOptions {
  readonly addresses: readonly string[];
  readonly port: number;
  readonly caps: ConnectionCaps;
}

export interface HttpApi {
  /** "host:port" of each listener, with the port actually bound (port 0 picks a free one). */
  readonly addresses: readonly string[];
  setCaps(caps: ConnectionCaps): void;
  close(): Promise<void>;
}

const allMethods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD'] as const;
const textType = 'text/plain; charset=utf-8';
// Control characters in a path are refused before routing, as Consul's go-cleanhttp filter does.
// eslint-disable-next-line no-control-regex
const unprintable = /[\u0000-\u001f\u007f]/;

export async function startHttpApi(agent: Agent, options: HttpApiOptions): Promise<HttpApi> {
  const app = await buildApp(agent);
  const counter = new ConnectionCounter(options.caps);
  const servers: Server[] = [];
  try {
    for (const address of options.addresses) {
      const server = createServer(
        {
          maxHeaderSize: limits.httpHeaderBytesMax,
          requestTimeout: 0,
          headersTimeout: limits.httpHeadersTimeoutMs,
          keepAliveTimeout: limits.httpKeepAliveTimeoutMs,
        },
        (request, response) => app.routing(request, response),
      );
      counter.attach(server);
      await listen(server, address, options.port);
      servers.push(server);
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  return {
    addresses: servers.map((server) => formatAddress(server.address() as AddressInfo)),
    setCaps: (caps) => counter.setCaps(caps),
    close: async () => {
      await Promise.all(servers.map(closeServer));
      await app.close();
    },
  };
}

async function buildApp(agent: Agent): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: limits.httpPathParamBytesMax },
    bodyLimit: limits.httpBodyBytesMax,
    // Errors fastify raises before routing (a malformed percent-encoding) are answered like ours.
    frameworkErrors: (error, _request, reply) => {
      void writeError(reply, new TaxiwayError('bad_request', error.message), agent.logger);
    },
  });
  await app.register(compress, { global: true, threshold: 1400, encodings: ['gzip'] });
  // Consul does not look at Content-Type (clients send text/plain, JSON or nothing); handlers
  // decode bodies themselves, so every body arrives as bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Consul-Default-ACL-Policy', agent.config.acl.defaultPolicy);
    if (unprintable.test(safeDecode(request.url.split('?')[0] ?? ''))) await reply.code(400).send();
  });
  app.setErrorHandler((error, _request, reply) => writeError(reply, error, agent.logger));
  app.setNotFoundHandler((request, reply) => {
    const message = request.url.includes('/v1/')
      ? 'Invalid URL path: not a recognized HTTP API endpoint'
      : "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'";
    return reply.code(404).type(textType).send(`${message}\n`);
  });
  registerRoutes(app, agent);
  await app.ready();
  return app;
}

function registerRoutes(app: FastifyInstance, agent: Agent): void {
  const byPath = new Map<string, Map<HttpMethod, Route>>();
  for (const route of routes) {
    let methods = byPath.get(route.path);
    if (methods === undefined) byPath.set(route.path, (methods = new Map<HttpMethod, Route>()));
    methods.set(route.method, route);
  }
  for (const [path, methods] of byPath) {
    const allow = ['OPTIONS', ...methods.keys()].join(',');
    for (const [method, route] of methods) {
      app.route({
        method,
        url: path,
        ...(route.bodyBytesMax === undefined ? {} : { bodyLimit: route.bodyBytesMax }),
        handler: (request, reply) => runHandler(agent, route.handler, request, reply),
        errorHandler: (error, request, reply) => {
          if (isBodyTooLarge(error)) drainSmallExcess(request, reply);
          void writeError(reply, routeError(route, error, request), agent.logger);
        },
      });
    }
    app.route({ method: 'OPTIONS', url: path, handler: (_request, reply) => reply.header('Allow', allow).code(200).send() });
    for (const method of allMethods) {
      if (methods.has(method as HttpMethod)) continue;
      app.route({
        method,
        url: path,
        handler: (request, reply) => writeError(reply, new TaxiwayError('method_not_allowed', `method ${request.method} not allowed`, { Allow: allow }), agent.logger),
      });
    }
  }
}

function isBodyTooLarge(error: unknown): boolean {
  return (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
}

/** A body over the limit is worded by the route when it has its own words for it (Consul's KV). */
function routeError(route: Route, error: unknown, request: FastifyRequest): unknown {
  if (route.bodyTooLarge === undefined || !isBodyTooLarge(error)) return error;
  return route.bodyTooLarge(Number(request.headers['content-length'] ?? 0));
}

/**
 * fastify answers an announced oversized body with `Connection: close` and shuts the socket
 * without reading it, so a client still sending sees EPIPE instead of the 413. When the excess is
 * small, keep the connection: Node then reads and discards the rest of the body after the answer
 * (as Go's server drains up to 256 KiB), and the client reads its 413. A huge upload is still cut.
 */
function drainSmallExcess(request: FastifyRequest, reply: FastifyReply): void {
  const announced = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(announced) && announced <= limits.httpBodyBytesMax + limits.httpOversizeDrainBytesMax) reply.removeHeader('connection');
}

async function runHandler(agent: Agent, handler: Handler, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  const params = request.query as QueryParams;
  const result = await handler({
    agent,
    params,
    pathRest: (request.params as Record<string, string | undefined>)['*'] ?? '',
    headers: request.headers,
    body: request.body as Buffer | undefined,
    signal: controller.signal,
  });
  return writeResult(reply, result, has(params, 'pretty'));
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Held blocking queries and idle keep-alive connections would keep close() waiting for minutes.
    server.closeAllConnections();
  });
}

function formatAddress(address: AddressInfo): string {
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
