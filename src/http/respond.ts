// The one boundary between results and the wire. Handlers return HttpResult values or throw; this
// file writes them: JSON (compact, or indented with ?pretty as Consul does: four spaces and a
// final newline), the X-Consul-* headers of reads, and errors as Consul writes them: plain text,
// the status from the error catalogue, no trailing newline.

import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { isTaxiwayError, TaxiwayError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import type { QueryMeta } from '../rpc/protocol.js';
import type { HttpResult } from './result.js';
import { jsonBody, prettyJson } from './serialize.js';

const textContentType = 'text/plain; charset=utf-8';

export function serializeJson(value: unknown, pretty: boolean): string | Buffer {
  return pretty ? `${prettyJson(value, 4)}\n` : jsonBody(value);
}

export function setQueryMeta(reply: FastifyReply, meta: QueryMeta): void {
  reply.header('X-Consul-Index', String(Math.max(1, meta.index)));
  reply.header('X-Consul-KnownLeader', String(meta.knownLeader));
  reply.header('X-Consul-LastContact', String(Math.max(0, Math.round(meta.lastContactMs))));
  reply.header('X-Consul-Effective-Consistency', meta.consistency);
  reply.header('X-Consul-Query-Backend', 'blocking-query');
}

export function writeResult(reply: FastifyReply, result: HttpResult, pretty: boolean): FastifyReply {
  switch (result.kind) {
    case 'json':
      if (result.headers !== undefined) reply.headers(result.headers);
      return reply.code(result.status ?? 200).type('application/json').send(serializeJson(result.value, pretty));
    case 'query':
      setQueryMeta(reply, result.meta);
      return reply.code(200).type('application/json').send(serializeJson(result.value, pretty));
    case 'empty':
      return reply.code(200).send();
    case 'raw':
      if (result.meta !== undefined) setQueryMeta(reply, result.meta);
      if (result.headers !== undefined) reply.headers(result.headers);
      if (result.contentType !== undefined) reply.type(result.contentType);
      return reply.code(result.status).send(result.body);
    case 'text':
      if (result.headers !== undefined) reply.headers(result.headers);
      return reply.code(result.status).type(textContentType).send(result.body);
  }
}

/** Maps anything thrown by a handler (or by fastify itself) to Consul's error response. */
export function writeError(reply: FastifyReply, error: unknown, logger: Logger): FastifyReply {
  const mapped = toTaxiwayError(error);
  if (mapped.code === 'internal') logger.error({ err: error, url: reply.request.url }, 'request failed');
  reply.headers(mapped.headers);
  return reply.code(mapped.httpStatus).type(textContentType).send(mapped.message);
}

function toTaxiwayError(error: unknown): TaxiwayError {
  if (isTaxiwayError(error)) return error;
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new TaxiwayError('payload_too_large', `Request body too large, max size: ${limits.httpBodyBytesMax} bytes`);
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new TaxiwayError('bad_request', fastifyError.message ?? 'Bad request');
  }
  return new TaxiwayError('internal', error instanceof Error ? error.message : 'An unexpected error occurred');
}
