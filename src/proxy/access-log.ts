// The sidecar's JSON access log: one line per request, gathered in memory and written in one go
// at most limits.proxyAccessLogFlushMs after the first line, or at once when the gathered text
// reaches limits.proxyAccessLogBufferBytesMax. Writing each line as it comes cost the L7 path a
// write(2) and an event-loop turn per request (stdout to a pipe or file is a synchronous write on
// Linux). The proxy's stop flushes what is left.

import type { Clock, Timer } from '../lib/clock.js';
import { limits } from '../lib/limits.js';

export class AccessLog {
  private pending = '';
  private timer: Timer | undefined;
  /** The ISO time of the current millisecond, formatted once for every line logged within it. */
  private stampMs = NaN;
  private stamp = '';

  constructor(
    private readonly clock: Clock,
    /** Where the gathered lines go (stdout for the CLI). */
    private readonly sink: (text: string) => void,
  ) {}

  /** One line: `entry` as JSON, with `time` (ISO 8601) first. */
  readonly write = (entry: Record<string, unknown>): void => {
    const fields = JSON.stringify(entry);
    // `{"time":"…",` + the entry's own fields; an empty entry is just the time.
    this.pending += fields === '{}' ? `{"time":"${this.timeNow()}"}\n` : `{"time":"${this.timeNow()}",${fields.slice(1)}\n`;
    if (this.pending.length >= limits.proxyAccessLogBufferBytesMax) this.flush();
    else this.timer ??= this.clock.setTimer(limits.proxyAccessLogFlushMs, () => this.flush());
  };

  /** Writes what is gathered now (on the timer, when the buffer is full, and when the proxy stops). */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.sink(text);
  }

  private timeNow(): string {
    const nowMs = this.clock.nowMs();
    if (nowMs !== this.stampMs) {
      this.stampMs = nowMs;
      this.stamp = new Date(nowMs).toISOString();
    }
    return this.stamp;
  }
}
