// Session TTLs, enforced by the leader: a TTL session not renewed within TTL x 2 is destroyed
// through the log like any other destroy, which releases (or deletes) its keys on every server.
// The doubled TTL is Consul's grace (SessionTTLMultiplier): a client renewing at TTL/2 survives a
// slow round trip. A timer whose session is already gone does nothing; timers of sessions
// destroyed by other means are dropped when the sessions table shrinks below the timer count.

import { CommandType } from '../../catalog/commands.js';
import type { Timer } from '../../lib/clock.js';
import { parseGoDuration } from '../../lib/duration.js';
import { limits } from '../../lib/limits.js';
import type { Session } from '../../structs/session.js';
import type { ServerContext } from '../context.js';

export class SessionTimers {
  private readonly timers = new Map<string, Timer>();
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly context: ServerContext,
    private readonly onError: (error: unknown, sessionId: string) => void,
  ) {}

  /** Becoming leader: every TTL session gets a full TTL x 2 from now, as in Consul. */
  start(): void {
    for (const session of this.context.store.sessions.rows()) this.reset(session);
    this.unwatch = this.context.store.watch(['sessions'], () => this.dropGone());
  }

  stop(): void {
    this.unwatch?.();
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  /** (Re)starts the session's countdown; sessions without a TTL have none. */
  reset(session: Session): void {
    this.timers.get(session.ID)?.cancel();
    this.timers.delete(session.ID);
    const ttlMs = session.TTL === '' ? 0 : (parseGoDuration(session.TTL) ?? 0);
    if (ttlMs <= 0) return;
    const timer = this.context.clock.setTimer(ttlMs * limits.sessionTtlMultiplier, () => this.expire(session.ID));
    this.timers.set(session.ID, timer);
  }

  get size(): number {
    return this.timers.size;
  }

  private expire(id: string): void {
    this.timers.delete(id);
    if (this.context.store.sessions.get(id) === undefined) return;
    this.context.log.propose({ type: CommandType.Session, op: 'destroy', id }).catch((error: unknown) => this.onError(error, id));
  }

  private dropGone(): void {
    if (this.timers.size <= this.context.store.sessions.size) return;
    for (const [id, timer] of this.timers) {
      if (this.context.store.sessions.get(id) !== undefined) continue;
      timer.cancel();
      this.timers.delete(id);
    }
  }
}
