// How a routed request reaches the endpoint targets.ts picked, when the H1 pool is not the
// way: an HTTP/1.1 Upgrade (WebSocket) gets a mesh connection of its own (upgrade.ts), and an
// upstream whose protocol is http2 or grpc is spoken to over HTTP/2 (ALPN h2 on the mesh mTLS
// connection), one multiplexed session per endpoint (h2-sessions.ts). Kept apart from targets.ts
// so endpoint picking and transport choice change independently.

import type { Clock } from '../../lib/clock.js';
import { dialMesh } from '../outbound.js';
import type { Endpoint } from '../picker.js';
import type { MeshTls } from '../tls.js';
import { DispatchError, type L7Request, type L7Response } from './dispatch.js';
import { sendOnSession, sessionAuthority } from './h2-io.js';
import { H2Sessions } from './h2-sessions.js';
import { sendUpgrade } from './upgrade.js';

/** ALPN offered on mesh connections, by the upstream's protocol. */
export const meshAlpn = { http: ['http/1.1'], h2: ['h2'] } as const;

export interface MeshTransportOptions {
  /** 'h2' when the upstream's protocol is http2 or grpc. */
  readonly mode: 'http' | 'h2';
  readonly clock: Clock;
  readonly tls: () => MeshTls;
  readonly connectTimeoutMs: number;
}

export class MeshTransports {
  private readonly sessions = new H2Sessions();

  constructor(private readonly options: MeshTransportOptions) {}

  /** The answer through this transport, or undefined when the caller's H1 pool should send it. */
  send(endpoint: Endpoint, service: string, request: L7Request, signal: AbortSignal): Promise<L7Response> | undefined {
    if (request.upgrade === true) return this.sendUpgrade(endpoint, service, request, signal);
    if (this.options.mode === 'h2') return this.sendH2(endpoint, service, request, signal);
    return undefined;
  }

  /** Endpoints ("service@host:port") still listed by a target; the sessions of the others close. */
  retain(keys: ReadonlySet<string>): void {
    this.sessions.retain(keys);
  }

  close(): Promise<void> {
    return this.sessions.close();
  }

  private async sendUpgrade(endpoint: Endpoint, service: string, request: L7Request, signal: AbortSignal): Promise<L7Response> {
    const { clock, tls, connectTimeoutMs } = this.options;
    const socket = await dialMesh(endpoint, tls(), service, clock, connectTimeoutMs, meshAlpn.http).catch((error: unknown) => {
      throw new DispatchError('connect', error instanceof Error ? error.message : String(error));
    });
    return sendUpgrade(socket, request, signal);
  }

  private async sendH2(endpoint: Endpoint, service: string, request: L7Request, signal: AbortSignal): Promise<L7Response> {
    const { clock, tls, connectTimeoutMs } = this.options;
    const session = await this.sessions.session(`${service}@${endpoint.host}:${endpoint.port}`, () => dialMesh(endpoint, tls(), service, clock, connectTimeoutMs, meshAlpn.h2));
    // The caller's authority (h2) or Host (HTTP/1.1) travels as :authority, as Envoy forwards it.
    const host = request.headers.host;
    const authority = typeof host === 'string' && host !== '' ? host : sessionAuthority(endpoint.host, endpoint.port);
    return sendOnSession(session, request, authority, signal);
  }
}
