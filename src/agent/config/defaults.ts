// The values an agent starts from, written as config-file fragments so that they merge under the
// user's files and flags exactly as a file would (Consul does the same: agent/config/default.go,
// DefaultSource and DevSource, merged first). Values that depend on others (primary_datacenter,
// advertise_addr, node_name, leave_on_terminate, grpc_tls) are derived by the builder instead.

import { limits } from '../../lib/limits.js';
import type { ConfigFragment } from './fragment.js';

/** Raft's suggested largest log entry (hashicorp/raft SuggestedMaxDataSize); Consul's KV and txn cap. */
const raftEntryBytesMax = 512 * 1024;

export const defaultsFragment: ConfigFragment = {
  source: 'defaults',
  values: {
    acl: { enabled: false, default_policy: 'allow', down_policy: 'extend-cache' },
    bind_addr: '0.0.0.0',
    bootstrap: false,
    bootstrap_expect: 0,
    check_update_interval: '5m',
    client_addr: '127.0.0.1',
    // Consul turns the service mesh on by default since 1.14 (connect { enabled = true }).
    connect: { enabled: true },
    datacenter: 'dc1',
    disable_host_node_id: true,
    domain: 'consul.',
    encrypt_verify_incoming: true,
    encrypt_verify_outgoing: true,
    log_level: 'info',
    retry_interval: '30s',
    retry_interval_wan: '30s',
    server: false,
    dns_config: {
      allow_stale: true,
      a_record_limit: 0,
      udp_answer_limit: 3,
      max_stale: '87600h',
      recursor_timeout: '2s',
      // SOA timers Consul serves when dns_config.soa leaves them out (agent/config/builder.go).
      soa: { refresh: 3600, retry: 600, expire: 86400, min_ttl: 0 },
    },
    limits: {
      http_max_conns_per_client: limits.httpConnectionsPerClientDefault,
      kv_max_value_size: raftEntryBytesMax,
      txn_max_req_len: raftEntryBytesMax,
    },
    // Consul's DefaultRaftMultiplier: production timings are 5× the fastest raft settings.
    performance: { raft_multiplier: 5 },
    ports: { dns: 8600, http: 8500, https: -1, grpc: -1, serf_lan: 8301, serf_wan: 8302, server: 8300, sidecar_min_port: 21000, sidecar_max_port: 21255 },
  },
};

/**
 * `-dev`: one in-memory server on loopback that elects itself, with the UI, the mesh and the gRPC
 * (xDS) port on, and chatty logs. No data directory is needed: state lives in memory.
 */
export const devFragment: ConfigFragment = {
  source: '-dev defaults',
  values: {
    bind_addr: '127.0.0.1',
    enable_debug: true,
    ui_config: { enabled: true },
    log_level: 'debug',
    server: true,
    connect: { enabled: true },
    performance: { raft_multiplier: 1 },
    ports: { grpc: 8502 },
  },
};

/** Largest performance.raft_multiplier Consul accepts (agent/consul/config.go MaxRaftMultiplier). */
export const raftMultiplierMax = 10;

/** gRPC-TLS port a server listens on when ports.grpc_tls is not set (Consul ≥ 1.14). */
export const serverGrpcTlsPortDefault = 8503;
