// HTTP/2 client sessions, one multiplexed session per peer (an upstream endpoint's sidecar over
// mesh mTLS with ALPN h2, or the local app over h2c), made on first use and shared by every
// request to that peer. A session that closes, fails or receives GOAWAY is forgotten at once, so
// the next request dials a new one; streams already open on a GOAWAY'd session finish on it.
// A dial in progress is shared too, so a burst of requests opens one connection, not many.
//
// undici's HTTP/2 is not used here: gRPC needs trailers and full-duplex streams, which
// node:http2's client gives directly.

import { type ClientHttp2Session, connect as h2Connect } from 'node:http2';
import type { Duplex } from 'node:stream';
import { limits } from '../../lib/limits.js';
import { DispatchError } from './dispatch.js';

export class H2Sessions {
  private readonly sessions = new Map<string, Promise<ClientHttp2Session>>();
  /** The sessions once made, to see synchronously that one closed. */
  private readonly ready = new Map<string, ClientHttp2Session>();
  private closed = false;

  /**
   * The session for `key`, dialing with `dial` when there is none. A dial failure rejects with a
   * DispatchError 'connect' (nothing was sent: the request may be retried).
   */
  session(key: string, dial: () => Promise<Duplex>): Promise<ClientHttp2Session> {
    const live = this.ready.get(key);
    if (live !== undefined && (live.closed || live.destroyed)) this.forget(key, live);
    const existing = this.sessions.get(key);
    if (existing !== undefined) return existing;
    if (this.closed) return Promise.reject(new DispatchError('connect', 'proxy closing'));
    const made = dial().then(
      (socket) => this.open(key, socket),
      (error: unknown) => {
        this.sessions.delete(key);
        throw new DispatchError('connect', error instanceof Error ? error.message : String(error));
      },
    );
    this.sessions.set(key, made);
    return made;
  }

  /** Closes, gracefully (open streams finish), the sessions whose key is not in `keys`: endpoints that left. */
  retain(keys: ReadonlySet<string>): void {
    for (const [key, pending] of this.sessions) {
      if (keys.has(key)) continue;
      this.sessions.delete(key);
      this.ready.delete(key);
      pending.then((session) => session.close(), () => undefined);
    }
  }

  /** Closes every session (open streams are cut). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    this.ready.clear();
    await Promise.all(all.map((pending) => pending.then((session) => session.destroy(), () => undefined)));
  }

  private open(key: string, socket: Duplex): ClientHttp2Session {
    const session = h2Connect('http://peer', { createConnection: () => socket, peerMaxConcurrentStreams: limits.proxyH2StreamsMax, settings: { maxConcurrentStreams: limits.proxyH2StreamsMax } });
    this.ready.set(key, session);
    const forget = (): void => this.forget(key, session);
    session.once('goaway', forget);
    session.once('close', forget);
    session.on('error', () => session.destroy());
    // A session that carries no stream must not keep the proxy alive on shutdown.
    session.unref();
    socket.on('error', () => session.destroy());
    return session;
  }

  /** Drops `session` for `key` unless a newer one replaced it already. */
  private forget(key: string, session: ClientHttp2Session): void {
    if (this.ready.get(key) !== session) return;
    this.ready.delete(key);
    this.sessions.delete(key);
  }
}
