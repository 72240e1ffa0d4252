// The three ways a call to the agent's HTTP API fails, each a class so callers can tell them apart
// without reading messages. Every message is one line, ready for a CLI to print after its
// "Error listing nodes: " prefix, and worded as Consul's api client words it.

import type { QueryMeta } from './query.js';

/** The client cannot be built: a bad address scheme, an unreadable token file. */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
}

/** The agent answered with a status other than success; `body` is its text, trimmed. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly statusCode: number,
    readonly body: string,
    /** The answer's X-Consul-* headers: a KV 404 carries the index to block on. */
    readonly meta?: QueryMeta,
  ) {
    // Consul's api client: `Unexpected response code: 400 (Invalid check: ...)`. Agent error
    // bodies are one line; line breaks in anything else are folded so the message stays one.
    super(`Unexpected response code: ${statusCode} (${oneLine(body)})`);
  }
}

/**
 * No answer: the connection failed, timed out or broke, or the answer was unreadable. The message
 * names the request as Go's net/http does (`Get "http://127.0.0.1:8500/v1/...": <cause>`) and the
 * cause as Node gives it (`connect ECONNREFUSED 127.0.0.1:8500`).
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';

  constructor(
    readonly method: string,
    readonly url: string,
    readonly causeText: string,
  ) {
    super(`${goMethodName(method)} "${url}": ${oneLine(causeText)}`);
  }
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*[\r\n]+\s*/g, ' ');
}

/** Go's error text spells methods as "Get", "Put", "Delete". */
function goMethodName(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}
