// Shared by the wire tests: a WireServer on 127.0.0.1 port 0 with test handlers, and a pool
// dialing it; both are closed when the test ends, pass or fail.

import type { ExecutionContext } from 'ava';
import { type Clock, SystemClock } from '../../../src/lib/clock.js';
import { notFound } from '../../../src/lib/errors.js';
import { SeededRandom } from '../../../src/lib/random.js';
import { methodTable } from '../../../src/rpc/wire/method-table.js';
import type { MuxConnection } from '../../../src/rpc/wire/mux-connection.js';
import { WirePool, type WirePoolOptions } from '../../../src/rpc/wire/wire-pool.js';
import { WireServer, type WireServerOptions } from '../../../src/rpc/wire/wire-server.js';

export interface Received {
  messages: { method: string; body: unknown; connection: MuxConnection }[];
}

/** echo, sleep (resolves after body.ms real ms with body.value), fail (throws not_found), crash (throws a plain Error). */
export function testHandlers(received: Received = { messages: [] }): ReturnType<typeof methodTable> {
  return methodTable(
    {
      echo: (body) => Promise.resolve(body),
      sleep: (body) => {
        const { ms, value } = body as { ms: number; value: unknown };
        return new Promise((resolve) => setTimeout(() => resolve(value), ms));
      },
      fail: () => Promise.reject(notFound('no such thing')),
      crash: () => Promise.reject(new Error('boom')),
      hang: () => new Promise(() => undefined),
      big: (body) => Promise.resolve(Buffer.alloc(body as number)),
    },
    (method, body, connection) => received.messages.push({ method, body, connection }),
  );
}

export async function startServer(t: ExecutionContext, overrides: Partial<WireServerOptions> = {}): Promise<{ server: WireServer; address: string; received: Received }> {
  const received: Received = { messages: [] };
  const server = await WireServer.listen({
    host: '127.0.0.1',
    port: 0,
    clock: new SystemClock(),
    protocols: { rpc: { versionMin: 1, versionMax: 2, handlers: testHandlers(received) } },
    ...overrides,
  });
  t.teardown(() => server.close());
  return { server, address: `127.0.0.1:${server.address().port}`, received };
}

export function newPool(t: ExecutionContext, overrides: Partial<WirePoolOptions> = {}, clock: Clock = new SystemClock()): WirePool {
  const pool = new WirePool({ clock, random: new SeededRandom(7), protocol: 'rpc', version: 1, backoffMsBase: 20, backoffMsMax: 100, ...overrides });
  t.teardown(() => pool.close());
  return pool;
}

/** Polls `condition` every 5 ms for at most `ms` (generous: the test machine is shared). */
export async function eventually(condition: () => boolean, ms = 5000): Promise<boolean> {
  for (const start = Date.now(); Date.now() - start < ms; ) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return condition();
}
