// Answers the proxy makes itself, shaped for a gRPC caller: a gRPC client reads the call's outcome
// from grpc-status / grpc-message, not from the HTTP status, so a local 403 or 503 becomes HTTP 200
// "trailers-only" (one HEADERS frame with END_STREAM carrying grpc-status), as Envoy's local replies
// do for requests whose content-type is application/grpc. The HTTP → gRPC mapping is gRPC's own
// (doc/http-grpc-status-mapping.md), which Envoy's Grpc::Utility::httpToGrpcStatus follows:
// RBAC's 403 → 7 PERMISSION_DENIED, no healthy upstream 503 → 14 UNAVAILABLE, and a route timeout
// before any answer, a 504 local reply without a gRPC status in Envoy's router (router.cc
// onUpstreamAbort), → 14 UNAVAILABLE "upstream request timeout", so callers written against an
// Envoy mesh see what they expect. (A timeout after the answer started is upstream-h2.ts's: Envoy
// resets the stream there; we end it with 4 DEADLINE_EXCEEDED, which says more.) Pure.

import { Readable } from 'node:stream';
import type { L7Response } from './dispatch.js';

export const grpcStatus = { ok: 0, unknown: 2, deadlineExceeded: 4, permissionDenied: 7, unimplemented: 12, internal: 13, unavailable: 14, unauthenticated: 16 } as const;

/** Whether a request is a gRPC call (content-type application/grpc, +proto, +json, ...). */
export function isGrpc(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.startsWith('application/grpc');
}

export function grpcStatusOfHttp(status: number): number {
  switch (status) {
    case 400:
      return grpcStatus.internal;
    case 401:
      return grpcStatus.unauthenticated;
    case 403:
      return grpcStatus.permissionDenied;
    case 404:
      return grpcStatus.unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return grpcStatus.unavailable;
    default:
      return grpcStatus.unknown;
  }
}

/** grpc-message is percent-encoded (gRPC HTTP/2 spec): printable ASCII except '%' stays as is. */
export function encodeGrpcMessage(text: string): string {
  return Array.from(Buffer.from(text, 'utf8'), (byte) => (byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A trailers-only gRPC answer: HTTP 200, no body, the outcome in the headers. */
export function grpcLocalResponse(code: number, message: string): L7Response {
  return {
    status: 200,
    headers: { 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message) },
    body: Readable.from([]),
    localText: message,
  };
}

/** A local answer (403, 503, 504, ...) reshaped for a gRPC caller. */
export function asGrpc(response: L7Response): L7Response {
  if (response.localText === undefined || response.headers['grpc-status'] !== undefined) return response;
  response.body.resume();
  return grpcLocalResponse(grpcStatusOfHttp(response.status), response.localText);
}
