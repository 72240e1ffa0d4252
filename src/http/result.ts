// What a handler returns. Handlers never touch the HTTP response: they return one of these and
// respond.ts writes it, so headers, status codes and serialisation are decided in one place.

import type { QueryMeta } from '../rpc/protocol.js';

export type HttpResult =
  /** 200 with a JSON body. */
  | { readonly kind: 'json'; readonly value: unknown; readonly status?: number; readonly headers?: Readonly<Record<string, string>> }
  /** 200 with a JSON body and the X-Consul-* headers of a read. */
  | { readonly kind: 'query'; readonly value: unknown; readonly meta: QueryMeta }
  /** 200 with no body and no Content-Type (Consul's answer to agent writes). */
  | { readonly kind: 'empty' }
  /** Bytes as they are (KV ?raw, a 404 with an empty body), with the headers of a read when `meta` is set. */
  | {
      readonly kind: 'raw';
      readonly status: number;
      readonly body: Buffer;
      readonly contentType?: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly meta?: QueryMeta;
    }
  /** Any status with a plain-text body. */
  | { readonly kind: 'text'; readonly status: number; readonly body: string; readonly headers?: Readonly<Record<string, string>> };

export const empty: HttpResult = { kind: 'empty' };

export function json(value: unknown, headers?: Readonly<Record<string, string>>): HttpResult {
  return headers === undefined ? { kind: 'json', value } : { kind: 'json', value, headers };
}
