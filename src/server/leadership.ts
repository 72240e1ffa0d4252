// Leadership: what a server knows about who leads its cluster. The RPC router (forward.ts) reads it
// to decide whether to serve a call here or send it to the leader, and every read reports it in
// QueryMeta (X-Consul-KnownLeader, X-Consul-LastContact). The single-node log of a dev server is
// always its own leader; the Raft log (cluster/raft-log.ts) answers from the Raft driver.

export interface Leadership {
  isLeader(): boolean;
  /** host:port of the leader's RPC listener; undefined while no leader is known. */
  leaderAddress(): string | undefined;
  /** Milliseconds since the leader was last heard from: 0 on the leader, Infinity if never. */
  lastContactMs(): number;
  /** Resolves once this server's state includes every write committed before the call (ReadIndex). */
  barrier(): Promise<void>;
  /** Resolves when a leader is known, or rejects with no_leader after `timeoutMs`. */
  waitForLeader(timeoutMs: number): Promise<string>;
  /** RPC addresses of the voting servers, as /v1/status/peers lists them. */
  peers(): string[];
}
