// Go's time.Duration text form, which Consul uses everywhere ("10s", "1m30s", "1h0m0s", "500ms").
// Durations inside taxiway are milliseconds (a float, so "1us" survives); these two functions are
// the only conversions to and from the wire form.

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const maxDurationMs = 9_223_372_036_854.775;

/** Parses a Go duration string; returns undefined when the text is not one. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  if (rest === '') return undefined;
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let totalMs = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const match = part.exec(rest);
    if (match === null) return undefined;
    totalMs += Number(match[1]) * (unitMs[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  // Go's Duration is an int64 of nanoseconds: about 292 years at most.
  if (totalMs > maxDurationMs) return undefined;
  return sign * totalMs;
}

/** Formats milliseconds as Go's Duration.String() does: "0s", "1.5s", "2m0s", "1h0m0s", "250ms". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const totalNs = Math.round(Math.abs(ms) * 1e6);
  if (totalNs < 1e9) {
    if (totalNs < 1e3) return `${sign}${totalNs}ns`;
    if (totalNs < 1e6) return `${sign}${trimFraction(totalNs / 1e3)}µs`;
    return `${sign}${trimFraction(totalNs / 1e6)}ms`;
  }
  const hours = Math.floor(totalNs / 3.6e12);
  const minutes = Math.floor((totalNs - hours * 3.6e12) / 6e10);
  const secondsNs = totalNs - hours * 3.6e12 - minutes * 6e10;
  const seconds = `${trimFraction(secondsNs / 1e9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function trimFraction(value: number): string {
  // Go prints the shortest exact decimal; nine fractional digits cover nanosecond precision.
  return Number(value.toFixed(9)).toString();
}
