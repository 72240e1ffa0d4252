// Health checks and anti-entropy: this agent runs the checks of its own services and keeps the
// catalog in step with its local state, as Consul's agent does.
//
//   agent/local-state.ts ──change──► checks.ts (HealthChecks: one monitor per check)
//        ▲                             │  interval: scheduler.ts ─due─► runners/<type>.ts ─result─► status.ts
//        │                             │  ttl:      runners/ttl.ts timer, reset by TTL reports
//        │                             │  alias:    runners/alias.ts (local state or blocking queries)
//        └────── updateCheck ◄─────────┘  critical-reaper.ts: DeregisterCriticalServiceAfter
//        │
//        ▼
//   agent/catalog-sync.ts ── status change: push now; output only: output-coalescing.ts
//        ▲
//   anti-entropy.ts ── every period: read the node from the catalog → anti-entropy-diff.ts → mark → push
//
// 1. A check added to local state gets a monitor (runner-factory.ts decides which kind).
// 2. Runs are bounded: a timeout per run (AbortSignal), output bound (output.ts), script slots
//    (semaphore.ts); stop() aborts runs in flight and waits for them.
// 3. Pure parts — status.ts, scheduler.ts (over an injected Clock), anti-entropy-diff.ts and the
//    gRPC codec — have no I/O and are tested with a ManualClock and tables.

export { AntiEntropy, fullSyncDelayMs, scaleFactor } from './anti-entropy.js';
export { HealthChecks, type HealthChecksDeps } from './checks.js';
export { type CheckResult, stepStatus, thresholdsOf } from './status.js';
