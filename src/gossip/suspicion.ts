// Suspicion: Lifeguard's dynamic suspicion timeout (memberlist suspicion.go), as pure functions.
//
// A suspicion starts at the maximum timeout and shrinks, on a log scale, as independent members
// confirm it, down to the minimum once `expectedConfirmations` have arrived:
//
//   timeout(c) = max(min, max − log(c + 1) / log(k + 1) × (max − min))
//
// The reasoning (Lifeguard §IV-B): a suspicion raised by one possibly-unhealthy member should
// give the suspect a long time to refute; several independent suspicions are strong evidence and
// let the cluster converge fast. Confirmations beyond k change nothing.

/** Minimum suspicion timeout: suspicionMult × max(1, log10(n)) × probe interval (memberlist's suspicionTimeout). */
export function suspicionMinTimeoutMs(suspicionMult: number, memberCount: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, memberCount)));
  // memberlist truncates the scale to thousandths first; we do the same so the tables agree.
  return Math.floor((suspicionMult * Math.floor(nodeScale * 1000) * probeIntervalMs) / 1000);
}

/** Independent confirmations that bring the timeout to its minimum: suspicionMult − 2, fewer in tiny clusters. */
export function expectedConfirmations(suspicionMult: number, memberCount: number): number {
  const k = suspicionMult - 2;
  // The suspect and the first suspector cannot confirm; with too few others nobody would.
  return memberCount - 2 < k ? 0 : k;
}

/** The total timeout after `confirmations` confirmations (not counting the first suspicion). */
export function suspicionTimeoutMs(confirmations: number, expected: number, minMs: number, maxMs: number): number {
  if (expected < 1) return minMs;
  const fraction = Math.log(Math.min(confirmations, expected) + 1) / Math.log(expected + 1);
  const raw = maxMs - fraction * (maxMs - minMs);
  return Math.max(minMs, Math.floor(raw));
}

/** A running suspicion of one member, kept in the member table. */
export interface Suspicion {
  startedMs: number;
  minMs: number;
  maxMs: number;
  expected: number;
  /** Distinct members that confirmed, the first suspector included (it cannot confirm twice). */
  confirmers: Set<string>;
  /** startedMs + the current timeout; the suspect is declared dead when now reaches it. */
  deadlineMs: number;
}

export function startSuspicion(from: string, nowMs: number, minMs: number, maxMs: number, expected: number): Suspicion {
  const timeoutMs = suspicionTimeoutMs(0, expected, minMs, maxMs);
  return { startedMs: nowMs, minMs, maxMs, expected, confirmers: new Set([from]), deadlineMs: nowMs + timeoutMs };
}

/** Records a confirmation; returns true if it was new (and so worth re-gossiping), false for a repeat. */
export function confirmSuspicion(suspicion: Suspicion, from: string): boolean {
  if (suspicion.confirmers.size - 1 >= suspicion.expected) return false;
  if (suspicion.confirmers.has(from)) return false;
  suspicion.confirmers.add(from);
  const confirmations = suspicion.confirmers.size - 1;
  suspicion.deadlineMs = suspicion.startedMs + suspicionTimeoutMs(confirmations, suspicion.expected, suspicion.minMs, suspicion.maxMs);
  return true;
}
