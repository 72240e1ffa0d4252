// When each interval check runs. A check's first run comes after a random stagger in
// [0, interval) — Consul's lib.RandomStagger — so that checks registered together (a config file,
// an agent restart, 2,000 instances of one service) spread over the interval instead of firing in
// the same millisecond; each later run comes one interval after the previous one finished, so a
// slow run delays its successor instead of overlapping it, and the stagger is never re-aligned.
//
// Pure apart from the injected Clock's timers: the driver (checks.ts) is told a check is due
// through `onDue(id, run)`, runs it, and reports back with finished(id, run). The run token ties
// the report to the schedule that started it, so a run that outlives a re-add of its check cannot
// arm the new schedule early.

import { assert } from '../lib/assert.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { Random } from '../lib/random.js';

interface Entry {
  readonly intervalMs: number;
  /** The timer for the next run; undefined while a run is in flight. */
  timer: Timer | undefined;
  /** Counts the runs of this entry; the token handed to onDue. */
  run: number;
}

/** Identifies one run of one schedule, for finished(). */
export interface RunToken {
  readonly entry: object;
  readonly run: number;
}

export class CheckScheduler {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    /** Called when a check is due; the caller must call finished(id, token) once the run is over. */
    private readonly onDue: (id: string, token: RunToken) => void,
  ) {}

  /** Schedules a check; replaces any earlier schedule of the same id. */
  add(id: string, intervalMs: number): void {
    assert(intervalMs > 0, 'interval checks have a positive interval');
    this.remove(id);
    const entry: Entry = { intervalMs, timer: undefined, run: 0 };
    this.entries.set(id, entry);
    this.arm(id, entry, this.random.float() * intervalMs);
  }

  /** The run that onDue started is over: the next one is due one interval from now. */
  finished(id: string, token: RunToken): void {
    const entry = this.entries.get(id);
    // Removed or replaced while the run was in flight: the report belongs to a schedule that is gone.
    if (entry === undefined || token.entry !== entry || token.run !== entry.run || entry.timer !== undefined) return;
    this.arm(id, entry, entry.intervalMs);
  }

  remove(id: string): void {
    this.entries.get(id)?.timer?.cancel();
    this.entries.delete(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  stop(): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
  }

  private arm(id: string, entry: Entry, delayMs: number): void {
    entry.timer = this.clock.setTimer(delayMs, () => {
      entry.timer = undefined;
      entry.run++;
      this.onDue(id, { entry, run: entry.run });
    });
  }
}
