// The contract between the check driver (../checks.ts) and the runners, one file per check type.
// A runner does the I/O of one run and turns what it saw into a result; the driver decides when to
// run (scheduler.ts), bounds the run with a timeout, and feeds the result to the state machine
// (status.ts).

import type { CheckResult } from '../status.js';

export interface CheckRunner {
  /**
   * One run. Never rejects: every failure is a critical result with the error as output. When
   * `signal` aborts (the timeout, or the check being removed) the run must end promptly and
   * release what it opened (socket, process); its result is then the timeout's.
   */
  run(signal: AbortSignal): Promise<CheckResult>;
  /** Releases what the runner keeps between runs (connection pools). Called once, after the last run. */
  close(): Promise<void>;
}

/** The output of an Error-ish value, for results. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

export const critical = (output: string): CheckResult => ({ status: 'critical', output });
export const passing = (output: string): CheckResult => ({ status: 'passing', output });

/** host:port → [host, port], accepting [v6]:port; undefined when it is not that shape. */
export function splitHostPort(target: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(target);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}
