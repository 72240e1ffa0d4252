// Awareness: Lifeguard's local health multiplier (memberlist awareness.go). A member that misses
// acks and nacks is more likely slow itself than surrounded by failures, so it raises its score
// and stretches its own probe interval and timeouts instead of accusing healthy peers.
//
// Score deltas (from the prober, probe.ts): +missing nacks after a failed indirect probe (or +1
// with nobody to nack), −1 after a direct ack, +1 when we must refute a suspicion of ourselves.

/** New score: clamped to [0, maxMultiplier − 1]. */
export function applyAwarenessDelta(score: number, delta: number, maxMultiplier: number): number {
  return Math.min(maxMultiplier - 1, Math.max(0, score + delta));
}

/** A timeout scaled by local health: timeout × (score + 1). */
export function scaleByAwarenessMs(timeoutMs: number, score: number): number {
  return timeoutMs * (score + 1);
}
