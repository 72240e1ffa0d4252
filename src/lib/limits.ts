// Every bound taxiway enforces, each with the reason for its value. Code refers to these names,
// never to bare numbers, so that a reader can audit all limits in one place. checkLimits() asserts
// the relationships between them at startup.

import { assert } from './assert.js';

export const limits = {
  // ---- sockets --------------------------------------------------------------------------------
  /** Fresh ephemeral ports tried when the UDP side's port is taken on the TCP side (udp-tcp-pair). */
  ephemeralPairBindAttemptsMax: 16,

  // ---- HTTP API -------------------------------------------------------------------------------
  /**
   * Largest request body on the JSON endpoints. Every write becomes one replicated log entry and
   * Consul caps those at raft's suggested 512 KiB (SuggestedMaxDataSize); accepting more here would
   * only fail later, inside the log.
   */
  httpBodyBytesMax: 512 * 1024,
  /**
   * An announced body this far over its limit is still read (and discarded) after the 413, so the
   * client, which is still sending, can read the answer; beyond it the connection is cut. Go's
   * server drains 256 KiB the same way.
   */
  httpOversizeDrainBytesMax: 1024 * 1024,
  /** Request line + headers. Node's own default (16 KiB); Consul clients send a few hundred bytes. */
  httpHeaderBytesMax: 16 * 1024,
  /**
   * Concurrent connections from one client IP (Consul's limits.http_max_conns_per_client default).
   * Over the cap a new connection is answered 429, never silently dropped (hashicorp/consul#7527).
   */
  httpConnectionsPerClientDefault: 200,
  /**
   * Concurrent HTTP connections in all. Below the process's file-descriptor limit (20,000 hard on
   * our machines) with room for DNS, RPC and log files.
   */
  httpConnectionsMax: 16_384,
  /** Time to receive the request headers; bounds slow-loris clients. */
  httpHeadersTimeoutMs: 30_000,
  /** Idle keep-alive connections are closed after this (Go's net/http default is similar). */
  httpKeepAliveTimeoutMs: 65_000,
  /** Longest path segment (service and node names in the URL) fastify will route. */
  httpPathParamBytesMax: 2048,

  // ---- Blocking queries -----------------------------------------------------------------------
  /** ?wait= when absent (Consul's default). */
  blockingWaitMsDefault: 5 * 60_000,
  /** ?wait= is clamped to this (Consul's maximum). */
  blockingWaitMsMax: 10 * 60_000,
  /** A random extra of up to wait/16 spreads out the wake-ups of clients that began together. */
  blockingJitterFraction: 1 / 16,
  /** Watch keys one query may hold; our queries use one to three, so more means a bug. */
  watchKeysPerQueryMax: 64,

  // ---- Catalog --------------------------------------------------------------------------------
  /** Meta pairs per node or service, and their sizes (Consul's structs.ValidateMetadata). */
  metaPairsMax: 64,
  metaKeyBytesMax: 128,
  metaValueBytesMax: 512,
  /** Output kept from a check run (Consul's default OutputMaxSize). */
  checkOutputBytesMax: 4096,

  // ---- KV, sessions, transactions, events ------------------------------------------------------
  /** Largest KV value (Consul's kv_max_value_size default: raft's suggested entry size). */
  kvValueBytesMax: 512 * 1024,
  /** Largest /v1/txn body (Consul's txn_max_req_len default). */
  txnBodyBytesMax: 512 * 1024,
  /** Operations in one transaction (Consul's maxTxnOps): more is abuse, not a use case. */
  txnOpsMax: 128,
  /** Session TTL bounds (Consul's session_ttl_min default and SessionTTLMax). */
  sessionTtlMsMin: 10_000,
  sessionTtlMsMax: 24 * 60 * 60_000,
  /**
   * A TTL session is destroyed only after TTL x 2 without a renewal (Consul's
   * SessionTTLMultiplier), so a client renewing at TTL/2 survives a slow round trip or a leader change.
   */
  sessionTtlMultiplier: 2,
  /** Default and largest session LockDelay (Consul's 15 s default and MaxLockDelay). */
  lockDelayMsDefault: 15_000,
  lockDelayMsMax: 60_000,
  /** Lock-delay entries are swept of expired keys once there are this many (then at each doubling). */
  lockDelayKeysSweepAt: 1024,
  /**
   * KV tombstones are reaped this long after the delete (Consul's tombstone_ttl default): long
   * enough for every blocking client to have seen the index move.
   */
  tombstoneTtlMs: 15 * 60_000,
  /** Reaps are batched to one command per this interval (Consul's tombstone_ttl_granularity). */
  tombstoneGranularityMs: 30_000,
  /** Largest user event name + payload + filters (serf's UserEventSizeLimit). */
  userEventBytesMax: 512,
  /** User events an agent remembers for /v1/event/list (Consul's ring of 256). */
  userEventsKept: 256,

  // ---- Health checks (src/health) ---------------------------------------------------------------
  /** Time a check run may take when its definition gives no Timeout (Consul's default for HTTP, TCP, UDP, gRPC, H2PING). */
  checkTimeoutMsDefault: 10_000,
  /** Script checks get longer by default: they start a process (Consul's 30 s). */
  scriptCheckTimeoutMsDefault: 30_000,
  /**
   * Shortest interval a check runs at. Consul's MinInterval: anything shorter is raised to it (with
   * a warning) so one bad definition cannot make the agent spin.
   */
  checkIntervalMsMin: 1_000,
  /**
   * Script processes running at once. Each costs a fork and a process slot; a check whose turn
   * comes while all slots are taken waits inside its own timeout, so a host of hung scripts
   * delays, never multiplies, the processes.
   */
  scriptChecksConcurrentMax: 32,
  /** Bytes of a script's stdout+stderr read before the rest is drained and counted, not kept. */
  scriptOutputBytesMax: 4096,
  /** Redirects an HTTP check follows (Go's http.Client stops after 10, and so does Consul's check). */
  httpCheckRedirectsMax: 10,
  /** How often critical checks are examined for DeregisterCriticalServiceAfter (Consul's CheckReapInterval). */
  checkReapIntervalMs: 30_000,
  /** Shortest DeregisterCriticalServiceAfter honoured (Consul raises shorter values to one minute). */
  deregisterCriticalAfterMsMin: 60_000,
  /**
   * Base period of the anti-entropy full sync (Consul's ae.StateSyncer Interval), multiplied by
   * the cluster-size scale factor and staggered by up to half again.
   */
  antiEntropyIntervalMs: 60_000,
  /** Cluster size up to which the full sync runs at the base period (Consul's scaleThreshold). */
  antiEntropyScaleThresholdNodes: 128,
  /** Alias checks of a remote node or service poll the catalog this often when they cannot block. */
  aliasCheckPollMs: 10_000,

  // ---- HTTP API client (CLI, tools) -------------------------------------------------------------
  /**
   * Time to open the TCP (or unix socket) connection. A local agent answers in microseconds; a
   * remote one across a WAN in well under a second. Five seconds separates "slow" from "gone"
   * without making a CLI user wait as long as Go's 30 s dialer default.
   */
  apiConnectTimeoutMs: 5_000,
  /**
   * Whole-request time (connect, headers and body) for requests that do not block. Catalog reads
   * of very large clusters take a few seconds; anything beyond this is a stuck agent.
   */
  apiRequestTimeoutMsDefault: 30_000,
  /**
   * Extra time a blocking query gets over its ?wait: the server adds up to wait/16 of jitter
   * (limits.blockingJitterFraction) and then needs time to answer.
   */
  apiBlockingQuerySlackMs: 5_000,
  /**
   * Largest response body read into memory. A /v1/catalog/nodes answer for 10,000 nodes is about
   * 5 MiB; 64 MiB leaves room for much larger clusters while a broken server cannot exhaust memory.
   */
  apiResponseBytesMax: 64 * 1024 * 1024,
  /** Error bodies are read for the message only; Consul's are one line. */
  apiErrorBodyBytesMax: 64 * 1024,

  // ---- ?filter= expressions ---------------------------------------------------------------------
  /**
   * Longest expression accepted, in UTF-16 code units. A ?filter= travels in the request line,
   * which the HTTP server already caps at 16 KiB (limits.httpHeaderBytesMax), so no legitimate
   * filter is longer; the bound keeps parse and compile cost, and the size of any regex inside,
   * bounded for filters that arrive by other routes (RPC, prepared queries).
   */
  filterExpressionLengthMax: 16 * 1024,
  /**
   * Deepest nesting of `(` and `not` in an expression. The parser and evaluator recurse once per
   * level; 64 is far beyond any hand-written filter and keeps the stack shallow whatever the input.
   */
  filterExpressionNestingMax: 64,
  /**
   * Deepest nesting of groups inside a `matches` regex (Go allows 1000; our recursive parser
   * spends several stack frames per level, so we stop far earlier than the stack would).
   */
  filterRegexNestingMax: 100,
  /**
   * Instructions in one compiled regex. Matching costs O(text length × instructions) per value,
   * so this bounds the CPU one `matches` can spend on a 4 KiB check output; `.{1000}` (Go's
   * largest single repeat) still fits.
   */
  filterRegexInstructionsMax: 5000,
  /** Go's regexp/syntax limit on {n,m} counts. */
  filterRegexRepeatCountMax: 1000,

  // ---- Connect CA -------------------------------------------------------------------------------
  /** How long a signing request waits for a slot under csr_max_concurrent (Consul's csrSemaphoreWait). */
  csrSlotWaitMs: 500,
  /**
   * Leaves are renewed at a random point between these fractions of their lifetime (Consul's
   * leafcert calculateSoftExpiry: 60-90 %), so a fleet issued at once does not renew at once.
   */
  leafRenewFractionMin: 0.6,
  leafRenewFractionMax: 0.9,
  /**
   * After the active root changes, each cached leaf is re-issued after a random delay up to this
   * window (Consul's caChangeJitterWindow), spreading the signing load of a rotation.
   */
  leafRootChangeJitterMsMax: 30_000,
  /** After a failed signing, the agent retries a cached leaf's renewal after this delay. */
  leafRetryMs: 5_000,
  /**
   * A cached leaf nobody asked for in this long is dropped at its next renewal instead of renewed
   * (Consul's leaf cache TTL, 72 h): services that went away stop costing signing work.
   */
  leafCacheIdleMs: 72 * 3_600_000,
  /** Service names one agent keeps leaves for; each holds a key, a cert and a renewal timer. */
  leafCacheServicesMax: 10_000,
  // ---- Intentions and config entries (src/connect/) ---------------------------------------------
  /**
   * Times an intention write re-reads its destination's service-intentions entry and retries
   * when a concurrent write to the same entry won the check-and-set; writes to one destination
   * are rare, so three losses in a row mean something is hammering it and the caller should know.
   */
  intentionWriteAttemptsMax: 3,
  /** `?name=` values in one /v1/connect/intentions/match request (each is one match list). */
  intentionMatchNamesMax: 64,
  // ---- Raft write-ahead log (src/raft/wal/) -----------------------------------------------------
  /**
   * Size of one preallocated log segment. 64 MiB is etcd's segment size and what was measured on
   * this box (10.5–11.7k durable single appends/s): big enough that rolls (a 64 MiB zero-fill) are
   * rare, small enough that compaction, which drops whole segments, frees space promptly.
   */
  walSegmentBytesDefault: 64 * 1024 * 1024,
  /**
   * Largest data of one log entry. A write is one entry and its request body is capped at
   * 512 KiB (httpBodyBytesMax); a /v1/txn of 64 such operations stays under 4 MiB. Bigger is a bug
   * upstream; it must also fit one wire frame inside an AppendEntries (checked below).
   */
  walEntryBytesMax: 4 * 1024 * 1024,
  /** Snapshots kept on disk; the newest is used, the one before is the fallback if it is corrupt (Consul keeps 2). */
  walSnapshotsRetained: 2,

  // ---- Framed RPC connections (src/rpc/wire/) ----------------------------------------------------
  /**
   * Largest frame accepted or sent. Bounds what one peer can make us buffer before a frame is
   * decoded; room for an AppendEntries carrying several maximal entries (walEntryBytesMax).
   */
  wireFrameBytesMax: 16 * 1024 * 1024,
  /**
   * Calls awaiting a reply on one connection, and handler calls running for one connection on the
   * serving side. Agents hold long blocking queries open as pending calls (hundreds per busy agent);
   * Raft pipelines ≤ 128 AppendEntries. Over the cap a call fails at once (rate_limited) instead of
   * growing a map without bound.
   */
  wirePendingCallsPerConnectionMax: 4096,
  /** Connections one WireServer holds: agents + servers of a large datacenter, below the 20,000 fd limit. */
  wireServerConnectionsMax: 10_000,
  /** Time for a new connection to send its hello frame (Consul's rpc_handshake_timeout is 5 s). */
  wireHandshakeTimeoutMs: 5_000,
  /** Time to open a TCP (and TLS) connection to a server; as apiConnectTimeoutMs. */
  wireConnectTimeoutMs: 5_000,
  /** Per-call timeout when the caller gives none. Blocking queries pass their own (wait + slack). */
  wireCallTimeoutMsDefault: 30_000,
  /**
   * Bytes queued in a socket above which one-way sends are refused (the caller drops or queues).
   * 4 MiB is ≈20k AppendEntries heartbeats or a few full batches: a peer this far behind is slow
   * or gone, and Raft resends from its progress tracking anyway.
   */
  wireSendHighWaterBytes: 4 * 1024 * 1024,
  /**
   * Bytes of replies queued for a peer that does not read them. Requests keep arriving while their
   * replies pile up in our socket buffer; past this the peer is cut off instead of growing memory.
   * Four maximal frames: a healthy reader never comes close.
   */
  wireReplyBacklogBytesMax: 64 * 1024 * 1024,
  /** First reconnect delay after a failed connect; doubled per failure, with ±50% jitter. */
  wireReconnectBackoffMsBase: 100,
  /** Longest reconnect delay: a restarted server is found again within this. */
  wireReconnectBackoffMsMax: 10_000,
  // ---- Raft driver (src/raft/driver.ts) ---------------------------------------------------------
  /**
   * Newest log entries kept in memory by the WAL-backed storage: a leader re-reads just-appended
   * entries to replicate them, and a follower a few heartbeats behind is served from memory
   * instead of a pread per entry. 8192 × ~200 B commands ≈ 2 MiB.
   */
  raftEntryCacheEntries: 8192,
  /** Applied entries between automatic snapshots (etcd's default SnapshotCount is 10,000). */
  raftSnapshotEveryEntriesDefault: 10_000,
  /**
   * Entries kept in the log behind a snapshot so a follower slightly behind catches up from the
   * log rather than by a whole snapshot (etcd keeps 5,000: SnapshotCatchUpEntries).
   */
  raftCompactionKeepEntriesDefault: 5_000,
  /**
   * A linearizable read waits at most this long for its ReadIndex round: the core drops rounds
   * silently on a leader change or a lost message, so an unbounded wait could hang the caller.
   */
  raftReadTimeoutMs: 5_000,
  /**
   * Raft messages held per peer while its connection is being dialed, sent once it opens (dropped
   * if the dial fails). Without this the first message on a cold connection — typically a vote
   * request right after a leader died — would be lost and cost a whole extra election timeout.
   * A few heartbeat rounds' worth; Raft resends anything beyond it.
   */
  raftTransportDialQueueMessages: 64,
  /**
   * Longest redial delay to a Raft peer: a restarted peer is reached again within this (the pool
   * default of 10 s would leave it unreplicated, and campaigning, for that long).
   */
  raftTransportBackoffMsMax: 1_000,
  /**
   * A follower whose leader's process is gone campaigns after this + a random share of the jitter
   * below (RaftDriver.peerGone). The floor lets the other followers see the same refusal first
   * (they all lose their connection at once; a pre-vote reaching one that has not would be refused
   * under the leader lease); the jitter, far above a loopback round trip plus a vote's fsync, keeps
   * two followers from campaigning together and splitting the vote.
   */
  raftLeaderGoneCampaignDelayMsMin: 25,
  raftLeaderGoneCampaignJitterMs: 150,
  /** Proposals waiting for their entry to apply, per node; more are refused at once (memory bound). */
  raftPendingProposalsMax: 65_536,

  // ---- Gossip (src/gossip) ----------------------------------------------------------------------
  /**
   * Largest gossip UDP packet (memberlist's UDPBufferSize): under a 1500-byte Ethernet MTU minus
   * IP/UDP headers, so packets are never fragmented (a lost fragment loses the whole packet).
   */
  gossipPacketBytesMax: 1400,
  /**
   * Encoded tags of one member (memberlist's MetaMaxSize): its alive message must ride in a packet
   * beside a probe, or it would never be sent.
   */
  gossipMetaBytesMax: 512,
  /**
   * Node names and addresses on the wire. Consul node names are DNS labels (≤ 63 bytes) and an
   * "ip:port" address ≤ 47; 128 leaves room while a probe plus a maximal alive still fit a packet.
   */
  gossipNameBytesMax: 128,
  /**
   * Broadcasts queued for retransmission. Each member has at most one live entry (newer news
   * replaces older), so this bounds memory under an event storm; the oldest, most-sent entries go first.
   */
  gossipBroadcastQueueMax: 4096,
  /** Members a push-pull state may carry: beyond the largest pool we support, so a forged state cannot exhaust memory. */
  gossipMembersMax: 50_000,
  /** Push-pull state bytes: gossipMembersMax members of ~200 bytes each. */
  gossipPushPullBytesMax: 10 * 1024 * 1024,
  /** Indirect probes a node relays at once; each waits one probe timeout. A flood past this is dropped. */
  gossipRelaysMax: 1024,
  /** User-event dedup window in Lamport times (Serf's EventBuffer default, 512 in Consul). */
  gossipUserEventBufferSize: 512,
  /** Events kept per Lamport time in the dedup window; more at one instant are dropped (and logged). */
  gossipUserEventsPerLamportTimeMax: 64,
  /**
   * Bytes of one DNS request we decode (UDP datagram or TCP frame). A query is one question and at
   * most an OPT record: well under 512 bytes; 4 KiB leaves room for EDNS options and cookies and
   * keeps the decoder's work per packet small. Bigger requests get FORMERR (TCP: the connection is cut).
   */
  dnsRequestBytesMax: 4096,
  /** Largest UDP answer whatever EDNS0 asks for: 4096 is the common EDNS buffer (RFC 6891 §6.2.5). */
  dnsUdpAnswerBytesMax: 4096,
  /** UDP answer size without EDNS0 (RFC 1035 §4.2.1). */
  dnsUdpAnswerBytesDefault: 512,
  /** A TCP answer must fit its 16-bit length prefix (RFC 1035 §4.2.2). */
  dnsTcpAnswerBytesMax: 65_535,
  /** Consul's maxUDPAnswerLimit: at most this many answers in a UDP reply without EDNS0. */
  dnsUdpAnswersMax: 8,
  /** Requests being answered at once (UDP + TCP); above it UDP requests are dropped, the client retries. */
  dnsInFlightMax: 1024,
  /** Open DNS TCP connections; further connections are closed at once. */
  dnsTcpConnectionsMax: 512,
  /** A TCP connection with no complete request for this long is closed (slow or idle clients). */
  dnsTcpIdleMs: 5_000,
  /** Requests one TCP connection may have unanswered; it stops being read above this. */
  dnsTcpPipelinedMax: 16,
  /** Recursor answer bytes accepted over TCP (its length prefix caps it at 64 KiB anyway). */
  dnsRecursorAnswerBytesMax: 65_535,

  // ---- Snapshots: save and restore of the whole state (src/catalog/snapshot.ts, src/snapshot/) ---
  /**
   * Largest snapshot file accepted by PUT /v1/snapshot, and largest state a restore stages. A
   * 100,000-key KV store with 1 KiB values makes a ~110 MiB state; 256 MiB leaves room for a
   * large catalog beside it. The body is read into memory once, so this also bounds that.
   */
  snapshotBytesMax: 256 * 1024 * 1024,
  /**
   * Bytes of state carried by one restore chunk command. Each chunk is one log entry, so it must
   * stay well inside walEntryBytesMax (checked below); 1 MiB keeps a 256 MiB restore at 256
   * entries without making any one AppendEntries heavy.
   */
  snapshotRestoreChunkBytes: 1024 * 1024,
  /** Rows packed per frame of the state encoding: bounds one msgpack value while staying cheap. */
  snapshotRowsPerFrame: 4096,
  /** Length of a restore's staging ID (a UUID is 36). */
  snapshotRestoreIdBytesMax: 64,
  /** Whole-request time of `taxiway snapshot save|restore`: a maximal file over a slow link. */
  snapshotTransferTimeoutMs: 10 * 60 * 1000,
  // ---- Server cluster (src/server/cluster/, src/rpc/wire-rpc-client.ts) -------------------------
  /** Milliseconds per Raft tick on a server: elections after 10-20 ticks (0.5-1 s), heartbeats every 2. */
  clusterRaftTickMs: 50,
  clusterRaftElectionTicks: 10,
  clusterRaftHeartbeatTicks: 2,
  /**
   * How long a call waits for a leader to be elected before failing with no_leader (Consul's
   * rpc_hold_timeout): a write during a failover is held, not refused.
   */
  rpcHoldTimeoutMs: 7_000,
  /** Pause between a failed attempt to reach the leader and the next (within rpcHoldTimeoutMs). */
  rpcRetryPauseMs: 100,
  /** A call forwarded more often than this (servers disagreeing on the leader) fails with no_leader. */
  rpcForwardHopsMax: 2,
  /** Timeout of a non-blocking call to a server (a write waits for its commit). */
  rpcCallTimeoutMs: 15_000,
  /** Added to a blocking query's wait for its call timeout (the server's jitter and the reply's trip). */
  rpcBlockingCallMarginMs: 10_000,
  /** X-Consul-LastContact is capped here (a follower that never heard from a leader). */
  lastContactReportedMsMax: 2_147_483_647,
  /** Wait between rounds of hellos to -retry-join servers while bootstrapping or looking for servers. */
  clusterJoinRetryMsDefault: 1_000,
  /** A client agent refreshes its list of servers this often. */
  rpcServerListRefreshMs: 30_000,
  /** Autopilot's round on the leader (Consul's ServerHealthInterval is 2 s). */
  autopilotIntervalMs: 1_000,
  /**
   * A voter the leader has not heard from for this long is dead: autopilot may remove it
   * (CleanupDeadServers). Well above a restart, so kill -9 and start again keeps the server.
   */
  autopilotDeadServerMs: 30_000,
  /** A server not in the configuration that said hello this recently is added as a non-voter. */
  autopilotHelloFreshMs: 10_000,
  /** Servers remembered per datacenter (a hello listing more is cut here). */
  clusterServersMax: 64,
  /**
   * Encoded DNS replies kept for repeated questions (src/dns/answer-cache.ts), oldest dropped
   * first; a few hundred names are typical, 10,000 replies of at most 4 KiB bound it to ~40 MiB.
   */
  dnsAnswerCacheEntriesMax: 10_000,
  /**
   * A cached reply is reused at most this long even when the catalog did not change, so that the
   * SOA serial (Consul's current Unix time) stays close to now.
   */
  dnsAnswerCacheMaxAgeMs: 2_000,
  // ---- built-in sidecar proxy (src/proxy/) ----
  /** Open connections on the public (inbound) listener; more are refused by the kernel backlog/close. */
  proxyInboundConnectionsMax: 4096,
  /** Open connections on one upstream listener. */
  proxyUpstreamConnectionsMax: 4096,
  /** A TLS handshake not done in this long is dropped (Consul's handshake_timeout_ms default). */
  proxyHandshakeTimeoutMs: 10_000,
  /** Dialing the local app (Consul's local_connect_timeout_ms default). */
  proxyLocalConnectTimeoutMs: 1_000,
  /** Dialing an upstream sidecar, handshake included (Consul's upstream connect_timeout_ms default). */
  proxyUpstreamConnectTimeoutMs: 10_000,
  /** ?wait of the proxy's blocking queries to its agent. */
  proxyWatchWaitMs: 60_000,
  /** First pause after a failed watch; doubles up to the max. */
  proxyWatchRetryMsBase: 200,
  proxyWatchRetryMsMax: 10_000,
  /** Authorization decisions cached per client identity until the intentions change. */
  proxyAuthorizeCacheEntriesMax: 10_000,
  /** HTTP request bodies are buffered in L7 mode (so a retry can resend them); larger ones get 413. */
  proxyRequestBodyBytesMax: 4 * 1024 * 1024,
  /** Idle keep-alive connections kept per upstream endpoint in L7 mode. */
  proxyUpstreamPoolConnectionsMax: 64,
  /**
   * Points on one ring_hash ring (service-resolver RingHashConfig.MaximumRingSize is capped by it):
   * Envoy allows 8M; a ring costs 8 bytes a point and is rebuilt (sorted) on every endpoint change,
   * so 1M points (8 MiB, ~0.3 s to build) bound one upstream target's ring.
   */
  proxyRingHashSizeMax: 1024 * 1024,
  /** Maglev lookup table size, a prime (Envoy's default 65537): ~1 % disruption when a host leaves. */
  proxyMaglevTableSize: 65_537,
  /** Longest outlier ejection, however often an endpoint was ejected (Envoy's max_ejection_time default 300 s). */
  proxyOutlierEjectionMsMax: 300_000,
  /**
   * Concurrent HTTP/2 streams per session in L7 h2/grpc mode (advertised in SETTINGS and kept on
   * our client sessions): long gRPC streams hold one each; Envoy's default cap is larger, 100 is
   * gRPC's and nghttp2's usual default.
   */
  proxyH2StreamsMax: 100,
  /**
   * Request or status line + headers read by the lean HTTP/1.1 codec (src/proxy/l7/h1/): Envoy's
   * max_request_headers_kb default (60 KiB); over it the server answers 431.
   */
  proxyH1HeadBytesMax: 60 * 1024,
  /** Header lines in one head (Envoy's max_headers_count default); more answer 431. */
  proxyH1HeadersCountMax: 100,
  /** A chunk-size line with its extensions; a real one is a few bytes, extensions are rare and short. */
  proxyH1ChunkLineBytesMax: 4096,
  /** Trailer section of a chunked body (read and dropped); as one head's worth of headers would be. */
  proxyH1TrailerBytesMax: 16 * 1024,
  /** An idle keep-alive connection on the proxy's HTTP/1.1 listeners closes after this (Envoy's 1 h is too generous for a sidecar; Go's 60-90 s is usual). */
  proxyH1ServerIdleTimeoutMs: 60_000,
  /** A started request (head and body) must arrive within this, else 408; bounds slow-loris clients as httpHeadersTimeoutMs does. */
  proxyH1RequestTimeoutMs: 30_000,
  /**
   * Idle pooled upstream connections close after this: below Node's 5 s server keep-alive timeout
   * (undici's default is 4 s for the same reason) so that we, not the upstream, usually close first.
   */
  proxyH1PoolIdleTimeoutMs: 4_000,
  /**
   * Access-log lines are gathered and written at most this long after the first one (Envoy buffers
   * its access log too, and flushes every 10 s by default): one write(2) per request cost the L7
   * path a syscall and an event-loop turn per hop at low load. 100 ms still reads as live.
   */
  proxyAccessLogFlushMs: 100,
  /** Gathered access-log text written at once when it reaches this, without waiting for the timer. */
  proxyAccessLogBufferBytesMax: 64 * 1024,
  // ---- Gossip driver (src/gossip/driver) --------------------------------------------------------
  /** Open gossip TCP connections served at once (push-pull, TCP probes, keyring); more are closed at once. */
  gossipStreamConnectionsMax: 256,
  /** Outbound gossip TCP exchanges in flight; a push-pull or TCP probe past this is skipped (SWIM tolerates it). */
  gossipStreamsOutboundMax: 32,
  /** A gossip TCP exchange (connect, request, answer) must finish within this (memberlist's TCPTimeout 10 s). */
  gossipStreamTimeoutMs: 10_000,
  /** Keys a gossip keyring holds: a rotation needs two; a few more cover overlapping rotations. */
  gossipKeysMax: 16,
  /** Recent user events carried in each push-pull, so a member that missed the epidemic still gets them. */
  gossipPushPullUserEventsMax: 32,
  /** A graceful leave waits at most this long for its broadcast to drain (Consul's leave_propagate_delay is 1 s, plus queue). */
  gossipLeaveDrainMsMax: 5_000,
  /** Members that left are shown (status left) for this long after they are reaped (Serf's TombstoneTimeout, 24 h). */
  gossipLeftKeptMs: 24 * 60 * 60_000,
  /** The leader's full pass of members against the catalog's serfHealth checks (Consul's reconcile_interval, 60 s). */
  reconcileMembersIntervalMs: 60_000,
} as const;

/** Asserts the relationships between limits; called once at agent start. */
export function checkLimits(): void {
  assert(limits.blockingWaitMsDefault <= limits.blockingWaitMsMax, 'default wait exceeds max wait');
  assert(limits.httpConnectionsPerClientDefault <= limits.httpConnectionsMax, 'per-client cap exceeds total cap');
  assert(limits.scriptOutputBytesMax >= limits.checkOutputBytesMax, 'a script must be read as far as its output is kept');
  assert(limits.checkTimeoutMsDefault <= limits.scriptCheckTimeoutMsDefault, 'script timeout below the generic one');
  assert(0 < limits.leafRenewFractionMin && limits.leafRenewFractionMin < limits.leafRenewFractionMax && limits.leafRenewFractionMax < 1, 'leaf renewal window outside the lifetime');
  assert(limits.walEntryBytesMax * 2 < limits.wireFrameBytesMax, 'an AppendEntries with a maximal entry must fit one frame');
  assert(limits.walEntryBytesMax * 4 <= limits.walSegmentBytesDefault, 'a segment must hold several maximal entries');
  assert(limits.wireReconnectBackoffMsBase <= limits.wireReconnectBackoffMsMax, 'backoff base exceeds its max');
  assert(limits.raftCompactionKeepEntriesDefault < limits.raftSnapshotEveryEntriesDefault, 'compaction must drop something at each snapshot');
  assert(limits.gossipNameBytesMax * 4 + 64 < limits.gossipPacketBytesMax, 'an indirect ping must fit one gossip packet');
  assert(limits.gossipMetaBytesMax + limits.gossipNameBytesMax * 5 + 64 < limits.gossipPacketBytesMax, 'an alive message with maximal tags must fit beside a probe');
  assert(limits.userEventBytesMax + limits.gossipNameBytesMax < limits.gossipPacketBytesMax, 'a maximal user event must fit one gossip packet');
  assert(limits.dnsUdpAnswerBytesDefault <= limits.dnsUdpAnswerBytesMax && limits.dnsUdpAnswerBytesMax <= limits.dnsTcpAnswerBytesMax, 'DNS answer sizes out of order');
  assert(limits.wireReplyBacklogBytesMax >= limits.wireFrameBytesMax + limits.wireSendHighWaterBytes, 'a maximal reply must fit the reply backlog');
  assert(limits.snapshotRestoreChunkBytes + 1024 <= limits.walEntryBytesMax, 'a snapshot restore chunk must fit one log entry');
  assert(limits.proxyWatchRetryMsBase <= limits.proxyWatchRetryMsMax, 'proxy watch backoff base exceeds its max');
  assert(limits.proxyWatchWaitMs <= limits.blockingWaitMsMax, 'the proxy waits longer than the agent allows');
  assert(limits.proxyH1TrailerBytesMax <= limits.proxyH1HeadBytesMax, 'a trailer section larger than a head');
}
