// The messages a MuxConnection exchanges, one per frame. On the wire each is a MessagePack array
// whose first element is the kind number (compact, and cheap to validate); kind numbers are fixed
// forever — new kinds get new numbers. Anything that does not decode to a known, well-typed
// message is a protocol error and closes the connection.
//
//   1 hello     [1, protocol, version]    first frame from the dialing side: names what it speaks
//   2 hello_ok  [2, version]              the accepting side agrees
//   3 goaway    [3, code, message]        last frame before closing: why (bad hello, oversized frame …)
//   4 request   [4, id, method, body]     expects exactly one response or error with the same id
//   5 response  [5, id, body]
//   6 error     [6, id, code, message]    code is an ErrorCode of src/lib/errors.ts
//   7 oneway    [7, method, body]         no reply (Raft messages)

import { unreachable } from '../../lib/assert.js';
import { type ErrorCode, errorCatalogue } from '../../lib/errors.js';

export type WireMessage =
  | { readonly type: 'hello'; readonly protocol: string; readonly version: number }
  | { readonly type: 'hello_ok'; readonly version: number }
  | { readonly type: 'goaway'; readonly code: ErrorCode; readonly message: string }
  | { readonly type: 'request'; readonly id: number; readonly method: string; readonly body: unknown }
  | { readonly type: 'response'; readonly id: number; readonly body: unknown }
  | { readonly type: 'error'; readonly id: number; readonly code: ErrorCode; readonly message: string }
  | { readonly type: 'oneway'; readonly method: string; readonly body: unknown };

const kinds = { hello: 1, hello_ok: 2, goaway: 3, request: 4, response: 5, error: 6, oneway: 7 } as const satisfies Record<WireMessage['type'], number>;

/** The array form of a message, ready for encodeFrame. */
export function toWire(message: WireMessage): unknown[] {
  switch (message.type) {
    case 'hello':
      return [kinds.hello, message.protocol, message.version];
    case 'hello_ok':
      return [kinds.hello_ok, message.version];
    case 'goaway':
      return [kinds.goaway, message.code, message.message];
    case 'request':
      return [kinds.request, message.id, message.method, message.body];
    case 'response':
      return [kinds.response, message.id, message.body];
    case 'error':
      return [kinds.error, message.id, message.code, message.message];
    case 'oneway':
      return [kinds.oneway, message.method, message.body];
    default:
      return unreachable(message);
  }
}

const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isText = (value: unknown): value is string => typeof value === 'string';
/** A code this build does not know (a newer peer) is carried as 'internal' rather than rejected. */
const toCode = (value: unknown): ErrorCode => (isText(value) && Object.hasOwn(errorCatalogue, value) ? (value as ErrorCode) : 'internal');

/** Validates a decoded frame; a string is the reason it is not a message. */
export function fromWire(value: unknown): WireMessage | string {
  if (!Array.isArray(value) || value.length === 0) return 'frame is not a message array';
  const [kind, a, b, c] = value as unknown[];
  switch (kind) {
    case kinds.hello:
      return isText(a) && isId(b) ? { type: 'hello', protocol: a, version: b } : 'malformed hello';
    case kinds.hello_ok:
      return isId(a) ? { type: 'hello_ok', version: a } : 'malformed hello_ok';
    case kinds.goaway:
      return isText(b) ? { type: 'goaway', code: toCode(a), message: b } : 'malformed goaway';
    case kinds.request:
      return isId(a) && isText(b) ? { type: 'request', id: a, method: b, body: c } : 'malformed request';
    case kinds.response:
      return isId(a) ? { type: 'response', id: a, body: b } : 'malformed response';
    case kinds.error:
      return isId(a) && isText(c) ? { type: 'error', id: a, code: toCode(b), message: c } : 'malformed error';
    case kinds.oneway:
      return isText(a) ? { type: 'oneway', method: a, body: b } : 'malformed oneway';
    default:
      return `unknown message kind ${String(kind)}`;
  }
}
