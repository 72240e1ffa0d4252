// HTTP/2 edges shared by the upstream and inbound h2 listeners and the h2 session client:
//   - header maps between a Dispatch request/response and HTTP/2 frames (pseudo-headers apart,
//     connection-specific headers dropped as RFC 9113 §8.2.2 requires, `te: trailers` kept since
//     gRPC needs it);
//   - one request sent on a client session, its response streamed back with its trailers;
//   - one response written to a server stream, trailers (grpc-status) forwarded, a trailers-only
//     answer (gRPC local answers, gRPC errors without messages) sent as one HEADERS frame.

import { type ClientHttp2Session, type ClientHttp2Stream, constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { DispatchError, type L7Request, type L7Response } from './dispatch.js';

type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

/** Not allowed in HTTP/2 (connection-specific) or rewritten into pseudo-headers. */
const notForwarded = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings', 'expect']);

/** Regular headers to send on an HTTP/2 hop: no pseudo-headers, no connection-specific ones. */
export function h2ForwardHeaders(headers: HeaderMap): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || notForwarded.has(name)) continue;
    if (name === 'te' && value !== 'trailers') continue;
    out[name] = value;
  }
  return out;
}

/** An HTTP/2 request's method, path, authority and regular headers. */
export function fromH2Request(headers: IncomingHttpHeaders): { method: string; path: string; authority: string; headers: Record<string, string | string[]> } {
  const regular: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !name.startsWith(':')) regular[name] = value;
  return { method: String(headers[':method'] ?? 'GET'), path: String(headers[':path'] ?? '/'), authority: String(headers[':authority'] ?? ''), headers: regular };
}

/**
 * Sends `request` on `session` (its body, or its stream piped with backpressure) and resolves at the
 * response head. A failure before the head is a 'reset' (bytes may have been sent: not retried);
 * an abort of `signal` cancels the stream (RST_STREAM CANCEL).
 */
export function sendOnSession(session: ClientHttp2Session, request: L7Request, authority: string, signal: AbortSignal): Promise<L7Response> {
  return new Promise((resolve, reject) => {
    const hasBody = request.stream !== undefined || request.body.length > 0;
    const outgoing: OutgoingHttpHeaders = { ...h2ForwardHeaders(request.headers), ':method': request.method, ':path': request.path, ':authority': authority };
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(outgoing, { endStream: !hasBody });
    } catch (error) {
      // The session closed or got GOAWAY in between: nothing was sent.
      return reject(new DispatchError('connect', error instanceof Error ? error.message : String(error)));
    }
    // A refused stream was not processed by the peer (RFC 9113 §8.7): safe to send again when the
    // body is buffered; a streamed body may have been partly read already, so it is a reset then.
    const failure = (text: string): DispatchError => new DispatchError(stream.rstCode === constants.NGHTTP2_REFUSED_STREAM && request.stream === undefined ? 'connect' : 'reset', text);
    let trailers: HeaderMap | undefined;
    const onAbort = (): void => {
      stream.close(constants.NGHTTP2_CANCEL);
      reject(signal.reason instanceof Error ? signal.reason : new DispatchError('reset', 'request cancelled'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.once('close', () => signal.removeEventListener('abort', onAbort));
    stream.on('trailers', (received: IncomingHttpHeaders) => {
      trailers = received;
    });
    stream.once('error', (error: Error) => reject(failure(error.message)));
    stream.once('close', () => reject(failure(`stream closed before a response (code ${stream.rstCode ?? 0})`)));
    stream.once('response', (head) => {
      const headers: Record<string, string | string[] | undefined> = {};
      for (const [name, value] of Object.entries(head)) if (!name.startsWith(':')) headers[name] = value;
      // After the head, a stream error must not crash: it ends the body (the writer resets its side).
      stream.on('error', () => undefined);
      resolve({ status: Number(head[':status'] ?? 502), headers, body: stream, trailers: () => trailers });
    });
    if (request.stream !== undefined) {
      request.stream.on('error', () => stream.close(constants.NGHTTP2_CANCEL));
      request.stream.pipe(stream);
    } else if (hasBody) stream.end(request.body);
  });
}

/** Writes `result` on an HTTP/2 server stream, trailers included; the stream is reset if the body fails. */
export function writeH2Response(stream: ServerHttp2Stream, result: L7Response): void {
  if (stream.destroyed || stream.closed) {
    result.body.destroy();
    return;
  }
  const headers: OutgoingHttpHeaders = { ...h2ForwardHeaders(result.headers), ':status': result.status };
  // Trailers-only: the whole outcome is in the head (gRPC local answers, errors before any message).
  if (result.headers['grpc-status'] !== undefined) {
    stream.respond(headers, { endStream: true });
    result.body.resume();
    return;
  }
  stream.respond(headers, { waitForTrailers: true });
  stream.once('wantTrailers', () => {
    const trailers = h2ForwardHeaders(result.trailers?.() ?? {});
    // sendTrailers({}) ends the stream with an empty DATA frame, so the stream always closes cleanly.
    stream.sendTrailers(trailers);
  });
  result.body.on('error', () => stream.close(constants.NGHTTP2_INTERNAL_ERROR));
  stream.once('close', () => result.body.destroy());
  result.body.pipe(stream);
}

/** host:port for :authority (IPv6 bracketed). */
export function sessionAuthority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
