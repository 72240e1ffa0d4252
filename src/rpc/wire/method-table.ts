// Builds CallHandlers from a plain table of async functions, so a protocol is declared as a list
// of methods. An unknown method answers bad_request (the caller's bug or a version skew); one-way
// messages go to `onMessage`, or are ignored when it is absent.

import { badRequest } from '../../lib/errors.js';
import type { CallHandlers, MuxConnection } from './mux-connection.js';

export type MethodHandler = (body: unknown, connection: MuxConnection) => Promise<unknown>;

export function methodTable(methods: Readonly<Record<string, MethodHandler>>, onMessage?: (method: string, body: unknown, connection: MuxConnection) => void): CallHandlers {
  return {
    call: (method, body, connection) => {
      const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (handler === undefined) return Promise.reject(badRequest(`unknown method ${JSON.stringify(method)}`));
      return handler(body, connection);
    },
    message: (method, body, connection) => onMessage?.(method, body, connection),
  };
}
