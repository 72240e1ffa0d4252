// Gossip membership core (SWIM + Lifeguard, as hashicorp/memberlist): public surface.
//
//        tick(nowMs)     step(from, bytes, nowMs)    join / leave / setMeta / fireUserEvent
//             │                  │                   tcpProbeResult / mergeRemoteState
//             ▼                  ▼                          │
//   ┌──────────────────────── SwimCore (swim.ts) ──────────┴─────────────────┐
//   │ codec.ts       bytes ↔ compound packets of numbered messages; bad → drop │
//   │ probe.ts       round-robin ping → indirect ping ×k + TCP → suspect       │
//   │ membership.ts  alive / suspect / dead / refute by incarnation; merge     │
//   │ suspicion.ts   Lifeguard timeout: max → min as confirmations arrive      │
//   │ awareness.ts   local health score stretches our own timeouts             │
//   │ broadcasts.ts  bounded retransmit queue, newest news per member wins     │
//   │ user-events.ts Lamport clock + (time, name) dedup window                 │
//   │ reaper.ts      dead/left forgotten after gossipToTheDeadMs               │
//   │ reconnect.ts   push-pull with failed members so long partitions heal     │
//   └────────────────────────────────┬───────────────────────────────────────┘
//                                    │ hasReady() / ready()
//                                    ▼
//   The driver's loop (contract in effects.ts):
//     1. send     ready.packets (UDP)
//     2. probe    ready.tcpProbes (TCP) → tcpProbeResult(seq, ok)
//     3. exchange ready.pushPulls (TCP): localState() ⇄ peer → mergeRemoteState(state, {join})
//     4. deliver  ready.memberEvents, ready.userEvents
//     then tick() again at nextDeadlineMs()
//
// SwimCore's surface (swim.ts):
//   new SwimCore(config: SwimConfig, random: Random, nowMs)   validated; throws SwimConfigError
//   tick(nowMs)  step(fromAddress, bytes, nowMs)  nextDeadlineMs()
//   hasReady()  ready() → SwimReady {packets, tcpProbes, pushPulls, memberEvents, userEvents}
//   join(seedAddress)  leave()  setMeta(meta)  fireUserEvent(name, payload) → UserEventResult
//   tcpProbeResult(seq, ok)  localState() → RemoteState  mergeRemoteState(state, {join})
//   seed(members)  (a restored snapshot: known members without broadcasting them)
//   member(name)  memberState(name)  members()  broadcastsPending()  stats()       read-only
//
// Numbered flow of one failure: (1) a prober's ping gets no ack within probeTimeoutMs; (2) it
// asks indirectChecks peers and the driver (TCP); (3) nobody answers by the end of the period: it
// broadcasts suspect; (4) others' own failed probes confirm, shrinking the timeout; (5) the timer
// fires: dead is broadcast and each member emits a 'fail' event; (6) gossipToTheDeadMs later the
// member is reaped. A live suspect refutes at (3)-(5) by broadcasting alive at a higher incarnation.

export { SwimCore, pushPullIntervalMs, type UserEventResult } from './swim.js';
export { lanDefaults, wanOverrides, validateSwimConfig, SwimConfigError, type SwimConfig } from './config.js';
export type { SwimReady, OutboundPacket, TcpProbeRequest, PushPullRequest, MemberEvent, MemberView, UserEventDelivery } from './effects.js';
export type { Address, MemberMeta, MemberState, RemoteMember, RemoteState, GossipMessage } from './messages.js';
export { encodeRemoteState, decodeRemoteState, decodePacket, encodeMessage, encodePacket, type DecodeResult } from './codec.js';
export { suspicionMinTimeoutMs, suspicionTimeoutMs, expectedConfirmations } from './suspicion.js';
export { retransmitLimit } from './broadcasts.js';
